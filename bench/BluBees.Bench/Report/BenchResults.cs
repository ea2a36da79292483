using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Bench.Micro;
using BluBees.Bench.Streaming;
using BluBees.Bench.Throughput;

namespace BluBees.Bench.Report;

/// <summary>Everything one invocation measured, as written to <c>results.json</c>.</summary>
internal sealed record BenchResults(
    DateTimeOffset GeneratedAt,
    string Command,
    BenchOptions Options,
    MachineInfo Machine,
    IReadOnlyList<PhaseResult> Phases,
    IReadOnlyList<Comparison> Comparisons,
    IReadOnlyDictionary<string, string> Anchors,
    IReadOnlyList<TransferResult> Transfers,
    IReadOnlyList<StreamingComparison> Streaming,
    IReadOnlyList<MicroResult> Micro,
    Fairness.FairnessResult? Fairness)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new TimeSpanSecondsConverter() },
    };

    public async Task WriteAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, this, JsonOptions);
    }

    private sealed class TimeSpanSecondsConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => TimeSpan.FromSeconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) => writer.WriteNumberValue(value.TotalSeconds);
    }
}
