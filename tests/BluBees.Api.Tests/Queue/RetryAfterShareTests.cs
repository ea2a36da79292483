using System.Collections.Concurrent;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// A tenant that floods the queue (ten times another tenant's events) and whose third party answers every call 429 with
/// <c>Retry-After</c>: each of its runs waits out the Retry-After before its retry (Polly's delay on the injected
/// clock, which the test holds still), holding its worker all the while. It holds its share of the workers and no
/// more, so the other tenant's events, accepted after the flood's runs took their workers, still run beside them.
/// Order and counts are asserted, not timings.
/// </summary>
public sealed class RetryAfterShareTests
{
    [Test]
    public async Task A_flooding_tenant_waiting_out_Retry_After_holds_only_its_share_while_another_tenants_events_run()
    {
        var limited = 1;
        var hits = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var sink = await LoopbackServer.StartAsync(async context =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            hits.AddOrUpdate(path, 1, (_, n) => n + 1);
            if (path.Contains("/limited/", StringComparison.Ordinal) && Volatile.Read(ref limited) == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "5";
                return;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"ok":true}""");
        });
        int Limited() => hits.Where(h => h.Key.Contains("/limited/", StringComparison.Ordinal)).Sum(h => h.Value);

        // 4 workers, 2 per tenant: the flooding tenant may hold 2, and one of the 4 is kept for tenants running nothing.
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:WorkerConcurrency"] = "4", ["Runs:PerTenantConcurrency"] = "2" });
        var flooding = QueueKit.NewTenant();
        var quiet = QueueKit.NewTenant();
        // GET: retried on a 429 (a POST without an Idempotency-Key is not: docs/api.md, "Retried").
        await kit.RuleAsync(flooding, sink.Address, path: "/limited/{{ issue.key }}", method: "GET");
        await kit.RuleAsync(quiet, sink.Address, path: "/quiet/{{ issue.key }}");
        foreach (var key in Enumerable.Range(1, 20).Select(i => $"OPS-{500 + i}"))
        {
            Assert.That(await kit.Ingress.IngestAsync(flooding, QueueKit.Event(key), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), key);
        }

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // The clock stands still: every flooded run that got a worker is waiting out its Retry-After now.
            await Waits.UntilAsync(() => Task.FromResult(Limited()), n => n >= 2);
            var quietKeys = Enumerable.Range(1, 2).Select(i => $"OPS-{600 + i}").ToList();
            foreach (var key in quietKeys)
            {
                Assert.That(await kit.Ingress.IngestAsync(quiet, QueueKit.Event(key), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted), key);
            }

            var quietRuns = await Waits.UntilAsync(() => kit.RunsOfAsync(quiet.TenantId), r => r.Count == quietKeys.Count);
            Assert.Multiple(async () =>
            {
                Assert.That(quietRuns.Select(r => (r.IssueKey, r.Status)).Order(), Is.EqualTo(quietKeys.Select(k => ((string?)k, RunStatus.Succeeded))),
                    "the quiet tenant's events ran, each once");
                Assert.That(Limited(), Is.EqualTo(2), "the flooding tenant held its share of the workers (2), each run one call in and waiting out its Retry-After");
                Assert.That(await kit.RunsOfAsync(flooding.TenantId), Is.Empty, "none of its runs has ended yet");
            });
        }
        finally
        {
            // The third party takes calls again; the drain ends once the waiting runs have retried (or its deadline cut them).
            Interlocked.Exchange(ref limited, 0);
            var stopped = worker.StopAsync(CancellationToken.None);
            await Waits.UntilAsync(
                () =>
                {
                    kit.Clock.Advance(TimeSpan.FromSeconds(5));
                    return Task.FromResult(stopped.IsCompleted);
                },
                done => done);
            await stopped;
        }
    }
}
