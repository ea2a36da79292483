using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Hosting;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Validation;
using BluBees.Engine.Execution;
using BluBees.Engine.Steps.Transfer;

namespace BluBees.Bench.Streaming;

/// <summary>What one child process measured, printed as its last stdout line.</summary>
internal sealed record ChildReport(string Mode, long Bytes, double Seconds, long BaselineWorkingSet, long PeakWorkingSet, string Status, string? Error);

/// <summary>
/// One transfer in a process of its own, so that its peak working set (the kernel's high-water mark, VmHWM) is
/// the transfer's and nothing else's. <c>engine</c>: a <c>transfer</c> step compiled and run by the engine's own
/// executor from the real service registration (egress guard, caps, byte counting). <c>direct</c>: HttpClient
/// GET (headers read) piped into a PUT with <see cref="StreamContent"/>: the least a program can do.
/// A 1 MiB transfer first warms up both paths (JIT, connection pools); the baseline is taken after it.
/// </summary>
internal static class TransferChild
{
    public const string Flag = "--transfer-child";

    public static async Task<int> RunAsync(string[] args)
    {
        var (mode, source, sink, bytes) = (args[1], new Uri(args[2]), new Uri(args[3]), long.Parse(args[4], CultureInfo.InvariantCulture));
        var warmSource = new Uri(source.GetLeftPart(UriPartial.Authority) + "/blob/1048576?id=warm-" + mode);
        var warmSink = new Uri(sink.GetLeftPart(UriPartial.Authority) + "/upload/warm-" + mode);
        var data = Path.Combine(Path.GetTempPath(), "blubees-bench-transfer", Guid.NewGuid().ToString("N"));
        Func<Uri, Uri, Task<(string Status, string? Error)>> transfer;
        ServiceProvider? services = null;
        HttpClient? client = null;
        if (mode == "engine")
        {
            services = EngineServices(data, bytes);
            var executor = services.GetServices<IStepExecutor>().Single(e => e.Kind == "transfer");
            transfer = async (from, to) =>
            {
                var outcome = await executor.ExecuteAsync(new StepRun(new TenantContext("bench", null, null), null, new JsonObject { ["steps"] = new JsonObject() }), Step(from, to), CancellationToken.None);
                return (outcome.Record.Status, outcome.Record.ErrorCategory is { } c ? c + "/" + outcome.Record.Metrics?.FailedSide : null);
            };
        }
        else
        {
            client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
            transfer = (from, to) => DirectAsync(client, from, to);
        }

        try
        {
            await transfer(warmSource, warmSink);
            GC.Collect();
            using var self = Process.GetCurrentProcess();
            var baseline = self.WorkingSet64;
            var started = Stopwatch.GetTimestamp();
            var (status, error) = await transfer(source, sink);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            self.Refresh();
            Console.WriteLine(JsonSerializer.Serialize(new ChildReport(mode, bytes, seconds, baseline, self.PeakWorkingSet64, status, error)));
            return status == "succeeded" ? 0 : 1;
        }
        finally
        {
            client?.Dispose();
            if (services is not null)
            {
                await services.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static ServiceProvider EngineServices(string data, long bytes)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = data,
            ["Egress:AllowHttp"] = "true",
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Egress:AllowAnyPort"] = "true",
            ["Transfer:MaxBytes"] = (bytes + 1).ToString(CultureInfo.InvariantCulture),
            ["Transfer:DefaultMaxBytes"] = (bytes + 1).ToString(CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static ICompiledStep Step(Uri from, Uri to)
    {
        var definition = new TransferStepDefinition
        {
            Id = "transfer",
            Source = new TransferEndpointDefinition { Url = from.ToString() },
            Destination = new TransferEndpointDefinition { Url = to.ToString(), Method = "PUT" },
            TimeoutSeconds = 3600,
        };
        var errors = new ValidationErrors();
        StepKinds.TryGet("transfer", out var compile);
        var egress = new EgressOptions { AllowHttp = true, AllowPrivateNetworks = true, AllowAnyPort = true };
        return compile!.Compile(definition, "steps[0]", new StepCompileContext(null, egress, TemplateLimits.Default), errors)
            ?? throw new InvalidOperationException(errors.ToString());
    }

    private static async Task<(string, string?)> DirectAsync(HttpClient client, Uri from, Uri to)
    {
        using var response = await client.GetAsync(from, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var content = new StreamContent(body, 64 * 1024);
        content.Headers.ContentType = response.Content.Headers.ContentType;
        content.Headers.ContentLength = response.Content.Headers.ContentLength;
        using var put = await client.PutAsync(to, content);
        return put.StatusCode == HttpStatusCode.Created ? ("succeeded", null) : ("failed", ((int)put.StatusCode).ToString(CultureInfo.InvariantCulture));
    }
}
