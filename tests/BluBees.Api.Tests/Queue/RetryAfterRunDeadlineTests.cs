using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The embedded worker's run deadline (<c>Runs:RunDeadlineSeconds</c>, here 60 s) bounds a connection's Retry-After
/// wait as the SQS worker's does: a 429 whose Retry-After (120 s) is within the connection's
/// <c>maxRetryAfterSeconds</c> (300) but beyond the time left before the deadline ends the step at once with its 429
/// (<c>http_4xx</c>), without a second call, instead of waiting until the deadline cuts the run
/// (<c>run_deadline_exceeded</c>). The clock is held: nothing waits for real.
/// </summary>
public sealed class RetryAfterRunDeadlineTests
{
    [Test]
    public async Task A_Retry_After_beyond_the_embedded_run_deadline_ends_the_step_at_once()
    {
        var calls = 0;
        await using var sink = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });
        await using var kit = QueueKit.Create(new Dictionary<string, string?> { ["Runs:RunDeadlineSeconds"] = "60" });
        var tenant = QueueKit.NewTenant();
        await kit.RuleAsync(tenant, sink.Address, method: "GET",
            resilience: new JsonObject { ["timeoutSeconds"] = 300, ["maxRetryAfterSeconds"] = 300, ["maxRetries"] = 1 });
        Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-71"), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));

        var worker = kit.Worker();
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var runs = await Waits.UntilAsync(() => kit.RunsOfAsync(tenant.TenantId), r => r.Count > 0); // the clock never moves
            Assert.Multiple(() =>
            {
                Assert.That(runs.Select(r => (r.Status, r.ErrorCategory)), Is.EqualTo(new[] { (RunStatus.Failed, (string?)ErrorCategories.Http4xx) }));
                Assert.That(Volatile.Read(ref calls), Is.EqualTo(1), "no second call");
            });
        }
        finally
        {
            var stopped = worker.StopAsync(CancellationToken.None);
            kit.Clock.Advance(TimeSpan.FromSeconds(120)); // a run still waiting (the old behaviour) is cut by its deadline, so the drain ends
            await stopped;
        }
    }
}
