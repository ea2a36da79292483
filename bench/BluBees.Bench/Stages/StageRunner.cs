using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Bench.Harness;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Egress;
using BluBees.Engine.Events;
using BluBees.Engine.Hosting;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Tenancy;
using Microsoft.Data.Sqlite;
using BluBees.Engine.Execution;

namespace BluBees.Bench.Stages;

/// <summary>
/// Part 5: the cost of one event by stage. The engine's own services (real registration, SQLite on the local disk,
/// no hosted worker) are called stage by stage for one event at a time, each stage timed with a stopwatch, so the
/// table says where the time of an unloaded event goes. The token check is the micro-benchmark's (part 3): it needs
/// no storage and is measured there with BenchmarkDotNet.
/// </summary>
internal static class StageRunner
{
    private const int Concurrent = 16;

    /// <summary>The process CPU per event, one at a time and 16 at a time, and the rate of the concurrent pass.</summary>
    public static StageTotals? Totals { get; private set; }

    public static readonly string[] Names =
    [
        "dedupe key", "ingress rule filter (list stamp + cached heads + compiled rules + trigger)", "queue write (marker + encrypted message, 1 tx)",
        "claim (lease, 1 tx)", "open message (kept since its accept) + payload parse", "worker rule load (list stamp + cached heads + compiled rules)", "event scope + condition",
        "connection read", "credential (decrypt secret)", "render (path + JSON body)", "HTTP step (whole executor, incl. the three above)",
        "record write (records + marker + delete, 1 tx)",
        "HTTP step part: guarded send (guard, no pipeline)", "comparison: direct HttpClient send, same request",
    ];

    /// <summary>The stages that are parts of, or comparisons with, another stage: not added to the sum.</summary>
    public static bool CountedInSum(int stage) => stage is not (7 or 8 or 9 or 12 or 13);

    public static async Task<IReadOnlyList<StageResult>> RunAsync(BenchOptions options, Action<string> progress)
    {
        await using var sink = await Sink.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "blubees-bench", Guid.NewGuid().ToString("N"));
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = data,
            ["Egress:AllowHttp"] = "true",
            ["Egress:AllowPrivateNetworks"] = "true",
            ["Egress:AllowAnyPort"] = "true",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        await using var provider = services.BuildServiceProvider();
        try
        {
            return await MeasureAsync(provider, sink, options.StageEvents, progress);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static EgressRequest Egress(PreparedRequest request) => new(new HttpMethod(request.Method), request.Url)
    {
        Headers = request.Headers,
        Body = request.Body,
        ContentType = request.ContentType,
        Label = request.Url.Host,
    };

    private static async Task<IReadOnlyList<StageResult>> MeasureAsync(IServiceProvider services, Sink sink, int events, Action<string> progress)
    {
        var ct = CancellationToken.None;
        var tenantId = "ari:cloud:ecosystem::installation/" + Guid.NewGuid();
        var tenant = new TenantContext(tenantId, "cloud-bench", "https://api.atlassian.com/ex/jira/cloud-bench");
        var id = tenant.Id;
        await services.GetRequiredService<TenantService>().InstallAsync(tenant, ct);
        var connectionService = services.GetRequiredService<ConnectionService>();
        var created = await connectionService.CreateAsync(id, new ConnectionInput
        {
            Name = "Bench sink",
            BaseUrl = new Uri(sink.Address, "/api/v2").ToString(),
            Auth = new ConnectionAuth { Type = "bearer" },
            Secret = "bench-secret-" + Guid.NewGuid().ToString("N"),
            Resilience = BenchBackend.EngineLimits,
        }, ct);
        var connectionId = created.Value!.Id;
        var rules = services.GetRequiredService<RuleService>();
        _ = (await rules.CreateAsync(id, BenchScenario.Rule(connectionId), "bench", ct)).Value ?? throw new InvalidOperationException("rule");
        var queue = services.GetRequiredService<SqliteRunQueue>();
        var credentials = services.GetRequiredService<ICredentialSource>();
        var executor = services.GetServices<IStepExecutor>().Single(e => e.Kind == CompiledHttpStep.KindName);
        var budgets = services.GetRequiredService<TemplateBudgets>();
        var guarded = services.GetRequiredService<GuardedHttpClient>();
        using var direct = new HttpClient();
        var limits = services.GetRequiredService<TemplateLimits>();
        var samples = Names.Select(_ => new List<double>(events)).ToArray();
        var warmup = Math.Min(100, events);
        progress($"stages: {warmup} warm-up + {events} measured events, one at a time");
        async Task<double[]> OneAsync(int i)
        {
            var times = new double[Names.Length];
            var clock = Stopwatch.StartNew();
            double Lap()
            {
                var ms = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                return ms;
            }

            var body = BenchScenario.Event(9, i);
            var evt = JiraEvent.From(body, out _)!;
            Lap();
            var dedup = EventIngestor.DedupKey(evt);
            times[0] = Lap();
            var could = false;
            // What the ingress does (EventIngestor): the tenant's rule-list stamp, then the heads cached under it.
            foreach (var head in await rules.ListHeadsForRunAsync(id, ct))
            {
                could |= await rules.LoadCompiledAsync(id, head, ct) is { } r && r.Trigger.Matches(RunSource.Event, evt, out _);
            }

            times[1] = Lap();
            var now = DateTimeOffset.UtcNow;
            var message = new RunMessage(tenant, RunSource.Event, body.ToJsonString(), now, null, null, null, RunIds.MessageFor(id, dedup), dedup);
            Lap();
            var outcome = await queue.EnqueueDedupedAsync(message, new DedupClaim(Keys.Tenant(tenantId), Keys.Dedup(dedup), now + EventIngestor.DedupWindow), ct);
            times[2] = Lap();
            // One at a time this claims the message just queued; 16 at a time, whichever is oldest (another pass's).
            ClaimedMessage? claimed;
            while ((claimed = await queue.ClaimAsync([], null, ct)) is null)
            {
                await Task.Yield();
            }

            times[3] = Lap();
            var opened = await queue.OpenAsync(claimed, ct);
            var runEvent = JiraEvent.From(JsonNode.Parse(opened.Payload), out _)!;
            times[4] = Lap();
            CompiledRule? rule = null;
            // What the worker does for a message that waited (RunProcessor; a direct hand-off reuses the ingress's heads).
            foreach (var head in await rules.ListHeadsForRunAsync(id, ct))
            {
                rule = await rules.LoadCompiledAsync(id, head, ct);
            }

            times[5] = Lap();
            var scope = EventScope.Create(runEvent, "event");
            using var active = budgets.NewRun().Activate();
            var passes = rule!.Trigger.Matches(RunSource.Event, runEvent, out _) && (rule.Conditions?.Evaluate(scope, null) ?? true);
            times[6] = Lap();
            var step = (CompiledHttpStep)rule.Steps[0];
            var connection = await connectionService.GetAsync(id, connectionId, ct);
            times[7] = Lap();
            var credential = await credentials.GetAsync(id, connection!, TimeSpan.FromSeconds(10), ct);
            times[8] = Lap();
            var (request, _) = RequestBuilder.Build(step, connection, credential.Credential, scope, limits);
            times[9] = Lap();
            var result = await executor.ExecuteAsync(new StepRun(tenant, null, scope) { EventKey = dedup, RuleId = rule.Id }, step, ct);
            times[10] = Lap();
            var record = new RunRecord(RunIds.For(opened, rule.Id), rule.Id, rule.Version, "event", evt.EventType, evt.IssueId, evt.IssueKey, now, 1, RunStatus.Succeeded, null, [result.Record]);
            Lap();
            await queue.CompleteAsync(claimed, [record], ct);
            times[11] = Lap();
            using (var alone = await guarded.SendAsync(Egress(request!), ct))
            {
                times[12] = Lap();
            }

            Lap();
            using (var plain = new HttpRequestMessage(HttpMethod.Post, request!.Url))
            {
                plain.Content = new ByteArrayContent(request.Body ?? []);
                plain.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                foreach (var header in request.Headers)
                {
                    plain.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }

                using var answer = await direct.SendAsync(plain, ct);
                _ = await answer.Content.ReadAsByteArrayAsync(ct);
            }

            times[13] = Lap();
            if (outcome != EnqueueOutcome.Accepted || !could || !passes || request is null || !result.Succeeded)
            {
                throw new InvalidOperationException($"stage bench event {i} did not take the full path ({outcome}, {could}, {passes}, {result.Record.ErrorCategory})");
            }

            return times;
        }

        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < warmup + events; i++)
        {
            if (i == warmup)
            {
                cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            }

            var times = await OneAsync(i);
            if (i >= warmup)
            {
                for (var s = 0; s < times.Length; s++)
                {
                    samples[s].Add(times[s]);
                }
            }
        }

        var sequentialCpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / events;
        progress($"stages: {events} more events, {Concurrent} at a time");
        cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var next = warmup + events;
        await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) <= (2 * events) + warmup)
            {
                await OneAsync(i);
            }
        })));
        var concurrentCpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / events;
        var rate = events / wall.Elapsed.TotalSeconds;
        Totals = new StageTotals(sequentialCpu, concurrentCpu, rate);
        return [.. Names.Select((name, s) => StageResult.From(name, samples[s]))];
    }
}

/// <summary>CPU milliseconds of the whole process per event (robust on a loaded machine), and events/s of the concurrent pass.</summary>
internal sealed record StageTotals(double CpuMsPerEventSequential, double CpuMsPerEventConcurrent, double ConcurrentEventsPerSecond);

/// <summary>One stage's cost per event, in milliseconds (sorted-sample percentiles).</summary>
internal sealed record StageResult(string Stage, int Events, double MeanMs, double P50Ms, double P99Ms)
{
    public static StageResult From(string stage, List<double> samples)
    {
        samples.Sort();
        double At(double q) => samples.Count == 0 ? 0 : samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        return new StageResult(stage, samples.Count, samples.Count == 0 ? 0 : samples.Average(), At(0.50), At(0.99));
    }

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Stage,-72} mean {MeanMs,8:F3} ms  p50 {P50Ms,8:F3} ms  p99 {P99Ms,8:F3} ms");
}
