using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace BluBees.Bench.Streaming;

/// <summary>One transfer as the parent saw it: the child's numbers and the sink's byte-exact check.</summary>
internal sealed record TransferResult(
    string Mode, long Bytes, double Seconds, double MegabytesPerSecond, long BaselineWorkingSet, long PeakWorkingSet,
    bool ByteExact, bool ContentTypePassed, bool ContentLengthPassed, string Status, string? Error);

/// <summary>
/// Part 2: for each size, a direct copy and a transfer through the engine, each in a child process of this
/// same executable (so each peak working set belongs to one transfer), between a source and a sink in this one.
/// </summary>
internal static class StreamingRunner
{
    public static async Task<IReadOnlyList<TransferResult>> RunAsync(BenchOptions options, Action<string> progress)
    {
        var results = new List<TransferResult>();
        await using var blobs = await BlobServer.StartAsync();
        foreach (var mib in options.TransferSizesMiB)
        {
            var bytes = mib * 1024L * 1024;
            foreach (var (mode, round) in Enumerable.Range(1, options.TransferRepeat).SelectMany(r => new[] { ("direct", r), ("engine", r) }))
            {
                progress($"streaming: {mode}, {mib} MiB, round {round} of {options.TransferRepeat}");
                var id = $"{mode}-{mib}-{Guid.NewGuid():N}";
                var report = await RunChildAsync([TransferChild.Flag, mode, blobs.SourceUrl(bytes, id).ToString(), blobs.SinkUrl(id).ToString(), bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                var (sent, received) = blobs.Outcome(id);
                results.Add(new TransferResult(
                    mode, bytes, Math.Round(report.Seconds, 3), Math.Round(bytes / report.Seconds / 1e6, 1), report.BaselineWorkingSet, report.PeakWorkingSet,
                    sent is not null && received is not null && received.Bytes == bytes && received.Hash == sent,
                    received?.ContentType == BlobServer.ContentType, received?.ContentLength == bytes,
                    report.Status, report.Error));
            }
        }

        return results;
    }

    private static async Task<ChildReport> RunChildAsync(string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        await child.WaitForExitAsync(timeout.Token);
        var last = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last is not null && last.StartsWith('{')
            ? JsonSerializer.Deserialize<ChildReport>(last)!
            : new ChildReport(args[1], 0, double.NaN, 0, 0, "crashed", (await stderr).Split('\n').FirstOrDefault());
    }
}
