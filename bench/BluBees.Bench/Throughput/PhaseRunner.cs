using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BluBees.Bench.Harness;

namespace BluBees.Bench.Throughput;

/// <summary>
/// Drives one phase: pre-serialized event bodies, pre-minted tokens, a closed loop of <c>concurrency</c> clients.
/// Engine phases POST to <c>/forge/events</c>; the direct phase POSTs the same body and header to the sink.
/// </summary>
internal sealed class PhaseRunner(Sink sink, HttpClient client, TimeSpan drainTimeout)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan PacedTimeout = TimeSpan.FromSeconds(30);
    private static int _phase; // shared by every runner: the sink tells phases apart by this number

    /// <summary>
    /// <paramref name="paced"/>: a client slot is held until the sink has received its event (at most
    /// <paramref name="concurrency"/> events anywhere in the engine). Otherwise a slot is freed by the ingress
    /// answer, so the queue absorbs whatever the worker cannot keep up with (saturation).
    /// </summary>
    public Task<PhaseResult> EngineAsync(string name, BenchBackend backend, TokenPool tokens, int count, int concurrency, int workers, bool paced)
        => RunAsync(name, paced ? "engine-paced" : "engine-burst", new Uri(backend.Address, "/forge/events"), null, tokens, count, concurrency, workers, paced);

    /// <summary>
    /// Open loop: events offered at <paramref name="perSecond"/> whatever the answers (<see cref="OpenLoopDriver"/>);
    /// what it measures is the ingress acknowledgement (the round trip) at that offered rate.
    /// </summary>
    public Task<PhaseResult> EngineOfferedAsync(string name, BenchBackend backend, TokenPool tokens, int count, double perSecond, int workers)
        => RunAsync(name, "engine-offered", new Uri(backend.Address, "/forge/events"), null, tokens, count, concurrency: 0, workers, paced: false, perSecond);

    /// <summary><paramref name="workers"/> only labels which backend run this baseline sits next to.</summary>
    public Task<PhaseResult> DirectAsync(string name, TokenPool tokens, int count, int concurrency, int workers)
        => RunAsync(name, "direct", null, new Uri(sink.Address, "/api/v2/direct/"), tokens, count, concurrency, workers, paced: false);

    private async Task<PhaseResult> RunAsync(
        string name, string kind, Uri? engineUrl, Uri? directBase, TokenPool tokens, int count, int concurrency, int workers, bool paced, double? offeredPerSecond = null)
    {
        var phase = Interlocked.Increment(ref PhaseRunner._phase);
        var bodies = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            bodies[i] = JsonSerializer.SerializeToUtf8Bytes(BenchScenario.Event(phase, i));
        }

        var recorder = new ArrivalRecorder(phase, count);
        var times = new PhaseTimes(count);
        sink.Record(recorder);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();

        Func<int, Task> send = async i =>
        {
            var url = engineUrl ?? new Uri(directBase!, string.Create(CultureInfo.InvariantCulture, $"{phase}.{i}"));
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bodies[i]) };
            request.Content.Headers.ContentType = Json;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Get(i));
            times.Sent[i] = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.SendAsync(request);
                times.Acked[i] = Stopwatch.GetTimestamp();
                times.Tally(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                if (paced && response.StatusCode == HttpStatusCode.Accepted)
                {
                    await recorder.WaitFor(i).WaitAsync(PacedTimeout);
                }
            }
            catch (TimeoutException)
            {
                times.Tally("paced-timeout");
            }
            catch (HttpRequestException ex)
            {
                times.Tally("error:" + (ex.HttpRequestError.ToString()));
            }
            catch (TaskCanceledException)
            {
                times.Tally("client-timeout");
            }
        };
        await (offeredPerSecond is { } rate ? OpenLoopDriver.RunAsync(count, rate, send) : ClosedLoopDriver.RunAsync(count, concurrency, send));

        var expected = times.Outcomes.GetValueOrDefault(engineUrl is null ? "200" : "202");
        if (recorder.Count < expected)
        {
            await Task.WhenAny(recorder.AllArrived.Task, WaitForCountAsync(recorder, expected), Task.Delay(drainTimeout));
        }

        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
        return PhaseAnalysis.Analyze(name, kind, concurrency, workers, times, recorder, roundTripIsIngress: engineUrl is not null) with
        {
            Tenants = tokens.Tenants,
            CpuMsPerEvent = Math.Round(cpu.TotalMilliseconds / count, 3),
            MethodsJitted = jitted,
        };
    }

    private static async Task WaitForCountAsync(ArrivalRecorder recorder, int expected)
    {
        while (recorder.Count < expected)
        {
            await Task.Delay(20);
        }
    }
}
