using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// Fault injection on the fake clock: a hanging third party holds only its own connection's bulkhead slots, is cut at
/// the response-headers timeout rather than the attempt deadline, and opens its breaker at low volume.
/// </summary>
public sealed class BulkheadTests
{
    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    private static LoopbackServer Hanging() => LoopbackServer.Start((_, _, ct) => Task.Delay(Timeout.Infinite, ct));

    [Test]
    public async Task A_hanging_host_holds_only_its_own_slots_and_further_calls_fail_fast()
    {
        await using var hanging = Hanging();
        await using var healthy = LoopbackServer.Ok("{}");
        var a = await _h.CreateAsync(new TenantId("tenant-a"), hanging, new ConnectionResilience { MaxRetries = 0 });
        var aOther = await _h.CreateAsync(new TenantId("tenant-a"), healthy);
        var b = await _h.CreateAsync(new TenantId("tenant-b"), healthy);

        var held = new[] { _h.RunAsync("tenant-a", PolicyHarness.Step(a, id: "one")), _h.RunAsync("tenant-a", PolicyHarness.Step(a, id: "two")) };
        await Eventually.TrueAsync(() => hanging.Requests.Count == 2, "the default two slots are taken");
        var third = _h.RunAsync("tenant-a", PolicyHarness.Step(a, id: "three"));
        await Eventually.TrueAsync(() => _h.Pipelines.For(new TenantId("tenant-a"), a).Queued == 1, "the third call waits briefly for a slot");
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var refused = await third;

        Assert.That(refused.Record.ErrorCategory, Is.EqualTo(ErrorCategories.BulkheadFull));
        Assert.That(refused.Record.Attempts, Is.Zero);
        Assert.That(hanging.Requests, Has.Count.EqualTo(2), "the refused call never reached the host");
        Assert.That(held.All(t => !t.IsCompleted), Is.True, "the first two still hang");

        // Other tenants and the tenant's other connections are unaffected while A's host hangs.
        var other = await _h.RunAsync("tenant-b", PolicyHarness.Step(b));
        var sibling = await _h.RunAsync("tenant-a", PolicyHarness.Step(aOther));
        Assert.That(other.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(sibling.Record.Status, Is.EqualTo(RunStatus.Succeeded));

        _h.Time.Advance(TimeSpan.FromSeconds(10));
        var ended = await Task.WhenAll(held);
        Assert.That(ended.Select(o => o.Record.ErrorCategory), Is.All.EqualTo(ErrorCategories.Timeout));
        Assert.That(_h.Pipelines.For(new TenantId("tenant-a"), a).InFlight, Is.Zero, "slots are given back");
    }

    [Test]
    public async Task A_host_that_never_sends_headers_is_cut_at_the_response_headers_timeout_not_the_attempt_deadline()
    {
        await using var hanging = Hanging();
        var connection = await _h.CreateAsync(new TenantId("tenant-a"), hanging, new ConnectionResilience { MaxRetries = 0, AttemptTimeoutSeconds = 60, TimeoutSeconds = 60 });

        var run = _h.RunAsync("tenant-a", PolicyHarness.Step(connection, "POST", "/items"));
        await Eventually.TrueAsync(() => hanging.Requests.Count == 1, "the request (body included) arrives");
        _h.Time.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(50);
        Assert.That(run.IsCompleted, Is.False, "still within the response-headers timeout");
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await run;

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Timeout));
        Assert.That(outcome.Record.DurationMs, Is.EqualTo(10_000), "10 s on the fake clock, not the 60 s attempt deadline");
    }

    [Test]
    public async Task The_breaker_opens_on_timeouts_at_low_volume()
    {
        await using var hanging = Hanging();
        var connection = await _h.CreateAsync(new TenantId("tenant-a"), hanging, new ConnectionResilience { MaxRetries = 0, AttemptTimeoutSeconds = 5, TimeoutSeconds = 5 });

        for (var i = 0; i < 3; i++)
        {
            var run = _h.RunAsync("tenant-a", PolicyHarness.Step(connection, id: "call" + i));
            await Eventually.TrueAsync(() => hanging.Requests.Count == i + 1, "attempt arrives");
            _h.Time.Advance(TimeSpan.FromSeconds(5));
            Assert.That((await run.WaitAsync(TimeSpan.FromSeconds(30))).Record.ErrorCategory, Is.EqualTo(ErrorCategories.Timeout), "attempt " + i);
        }

        var open = await _h.RunAsync("tenant-a", PolicyHarness.Step(connection, id: "after")).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(open.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CircuitOpen), "three timeouts in a minute are enough");
        Assert.That(await hanging.SettledConnectionsAsync(), Is.EqualTo(3), "the open breaker sends nothing");
    }
}

/// <summary>Transfer and ai.chat steps take a slot of their connection's bulkhead for the whole call.</summary>
public sealed class StepKindBulkheadTests
{
    [Test]
    public async Task ATransferOnAConnectionWithNoFreeSlotFailsFastAndSendsNothing([Values] bool sourceSide)
    {
        using var kit = new Steps.Transfer.TransferKit();
        await using var source = LoopbackServer.Ok("file");
        await using var destination = LoopbackServer.Ok("{}");
        var busy = await kit.Connections.CreateAsync(Steps.Transfer.TransferKit.Tenant, new ConnectionInput
        {
            Name = "busy", BaseUrl = (sourceSide ? source : destination).Url("/").ToString(), Auth = new ConnectionAuth { Type = AuthTypes.None },
            Resilience = new ConnectionResilience { BulkheadWaitMs = 0 },
        }, CancellationToken.None);
        var pipeline = kit.Pipelines.For(Steps.Transfer.TransferKit.Tenant, busy.Value!);
        using var one = await pipeline.EnterAsync(CancellationToken.None);
        using var two = await pipeline.EnterAsync(CancellationToken.None);
        var sourceJson = sourceSide ? $$"""{ "connection": "{{busy.Value!.Id}}", "path": "/f" }""" : $$"""{ "url": "{{source.Url("/f")}}" }""";
        var destinationJson = sourceSide ? $$"""{ "url": "{{destination.Url("/up")}}", "method": "PUT" }""" : $$"""{ "connection": "{{busy.Value!.Id}}", "path": "/up", "method": "PUT" }""";
        var step = Steps.Transfer.TransferKit.Compile($$"""{ "id": "copy", "type": "transfer", "source": {{sourceJson}}, "destination": {{destinationJson}} }""", Support.StepKit.ConnectionMap(busy.Value!));

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.BulkheadFull));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo(sourceSide ? "source" : "destination"));
        Assert.That(await source.SettledConnectionsAsync() + await destination.SettledConnectionsAsync(), Is.Zero);
    }

    [Test]
    public async Task AnAiStepOnAConnectionWithNoFreeSlotFailsFast()
    {
        using var kit = new Ai.AiKit();
        await using var provider = Ai.ProviderServers.OpenAi("answer");
        var connection = await kit.ConnectionAsync(Engine.Connections.AiProviders.OpenAi, provider.Url("/v1"), "key");
        var pipeline = kit.Pipelines.For(Ai.AiKit.Tenant, connection);
        using var one = await pipeline.EnterAsync(CancellationToken.None);
        using var two = await pipeline.EnterAsync(CancellationToken.None);

        var run = kit.RunAsync($$"""{ "id": "ask", "type": "ai.chat", "connection": "{{connection.Id}}", "model": "m-1", "prompt": "Hi" }""");
        await Eventually.TrueAsync(() => pipeline.Queued == 1, "the step waits briefly for a slot");
        kit.Keys.Time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await run;

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.BulkheadFull));
        Assert.That(await provider.SettledConnectionsAsync(), Is.Zero);
    }
}
