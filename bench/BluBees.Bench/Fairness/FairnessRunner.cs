using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using BluBees.Bench.Harness;
using BluBees.Bench.Throughput;

namespace BluBees.Bench.Fairness;

/// <summary>
/// Part 4, the noisy neighbour: tenant A's third party accepts connections and never answers; tenants A and B each
/// send events at a fixed rate (open loop: a send never waits for an earlier one). Tenant B's send→sink latency is
/// measured first alone (baseline), then beside A, on one backend with the default worker concurrency.
/// </summary>
internal static class FairnessRunner
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task<FairnessResult> RunAsync(BenchOptions options, Action<string> progress)
    {
        const int workers = 16; // the default Runs:WorkerConcurrency (8 per tenant)
        var rate = options.FairnessRate;
        var count = (int)Math.Round(rate * options.FairnessSeconds.TotalSeconds);
        await using var issuer = await BenchIssuer.StartAsync();
        await using var sink = await Sink.StartAsync();
        await using var hanging = await LoopbackServer.StartAsync(async context =>
        {
            // Headers never come: the request holds whatever the engine gives it until the engine gives up.
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
        });
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(60) };
        await using var backend = await BenchBackend.StartAsync(issuer, sink, workers, queueCapacity: 10_000, productionLogging: options.ProductionLogging);
        var tenantB = new TokenPool(issuer, backend.TenantId, size: 16);
        var tenantA = new TokenPool(issuer, await backend.AddTenantAsync(hanging.Address), size: 16);

        progress($"fairness: warm-up, then tenant B alone at {rate} events/s for {options.FairnessSeconds.TotalSeconds} s");
        await SendPacedAsync(client, backend, tenantB, phase: 900, Math.Min(count, 50), rate, sink, record: true);
        var (baseline, baselineMissing) = await SendPacedAsync(client, backend, tenantB, phase: 901, count, rate, sink, record: true);

        progress($"fairness: tenant A (third party hangs) and tenant B, each at {rate} events/s for {options.FairnessSeconds.TotalSeconds} s");
        var noisyA = SendPacedAsync(client, backend, tenantA, phase: 902, count, rate, sink, record: false);
        var (noisy, noisyMissing) = await SendPacedAsync(client, backend, tenantB, phase: 903, count, rate, sink, record: true);
        var (_, aSent) = await noisyA;
        var ratio = baseline.P99 > 0 ? Math.Round(noisy.P99 / baseline.P99, 2) : double.NaN;
        return new FairnessResult(rate, options.FairnessSeconds.TotalSeconds, workers, baseline, baselineMissing, noisy, noisyMissing, aSent, ratio);
    }

    /// <summary>
    /// Sends <paramref name="count"/> events at <paramref name="rate"/> per second without waiting for answers; with
    /// <paramref name="record"/>, waits (bounded) for their arrival at the sink and returns send→arrival latency and
    /// the number that never arrived. Without, returns how many were acknowledged as the second value.
    /// </summary>
    private static async Task<(Latency Latency, int Missing)> SendPacedAsync(
        HttpClient client, BenchBackend backend, TokenPool tokens, int phase, int count, double rate, Sink sink, bool record)
    {
        var recorder = new ArrivalRecorder(phase, count);
        if (record)
        {
            sink.Record(recorder);
        }

        var sent = new long[count];
        var acknowledged = 0;
        var url = new Uri(backend.Address, "/forge/events");
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - Stopwatch.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            var index = i;
            var body = JsonSerializer.SerializeToUtf8Bytes(BenchScenario.Event(phase, index));
            sends.Add(Task.Run(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = Json;
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Get(index));
                sent[index] = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref acknowledged);
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
            }));
        }

        await Task.WhenAll(sends);
        if (!record)
        {
            return (Latency.From([]), acknowledged);
        }

        await Task.WhenAny(recorder.AllArrived.Task, Task.Delay(TimeSpan.FromSeconds(120)));
        return (Latency.Between(sent, recorder.Arrivals), count - recorder.Count);
    }
}
