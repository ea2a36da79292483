using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Steps.Transfer;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// Every HTTP step and transfer destination sends an <c>Idempotency-Key</c> derived from event, rule and step: the
/// same on a replay of the event, different per step, rule and event; a key the step sets itself wins.
/// </summary>
public sealed class IdempotencyKeyTests
{
    private static readonly TenantId Tenant = new("tenant-idem");

    [Test]
    public async Task AReplayOfTheSameEventSendsTheSameKeyAndEveryStepItsOwn()
    {
        using var h = new PolicyHarness();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await h.CreateAsync(Tenant, api);
        var create = PolicyHarness.Step(connection, "POST", "/items", id: "create");
        var notify = PolicyHarness.Step(connection, "POST", "/items", id: "notify");

        await h.RunAsync(PolicyHarness.Run(Tenant.Value, ruleId: "rule_1"), create);
        await h.RunAsync(PolicyHarness.Run(Tenant.Value, ruleId: "rule_1"), create); // the replay (after a crash mid-step)
        await h.RunAsync(PolicyHarness.Run(Tenant.Value, ruleId: "rule_1"), notify);
        await h.RunAsync(PolicyHarness.Run(Tenant.Value, ruleId: "rule_2"), create);
        await h.RunAsync(PolicyHarness.Run(Tenant.Value, Later(), ruleId: "rule_1"), create);
        await h.RunAsync(PolicyHarness.Run("tenant-other", ruleId: "rule_1"), PolicyHarness.Step(await h.CreateAsync(new TenantId("tenant-other"), api), "POST", "/items", id: "create"));

        var keys = api.Requests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.That(keys, Is.All.Match("^blubees-[0-9a-f]{40}$"));
        Assert.That(keys[1], Is.EqualTo(keys[0]), "replay: same event, rule and step");
        Assert.That(keys.Skip(1).Distinct().Count(), Is.EqualTo(5), "another step, rule, event or tenant: another key");
    }

    [Test]
    public async Task AKeyTheStepSetsWinsAndIsSentOnce()
    {
        using var h = new PolicyHarness();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await h.CreateAsync(Tenant, api);

        await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, "POST", "/items", headers: """{ "idempotency-key": "mine-{{ issue.key }}" }"""));

        var received = api.Requests.Single();
        Assert.That(received.Header("Idempotency-Key"), Is.EqualTo("mine-" + StepKit.Scope()["issue"]!["key"]!.GetValue<string>()));
    }

    [Test]
    public async Task TheAutomaticKeyDoesNotMakeAPostRetryable()
    {
        using var h = new PolicyHarness();
        await using var api = Scripted.Sequence(Scripted.Answer(503), Scripted.Answer(200));
        var connection = await h.CreateAsync(Tenant, api, new ConnectionResilience { MaxRetries = 2, RetryDelayMs = 0 });

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, "POST", "/items"));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(1), "retries of POST stay opt-in through a key the step sets");
    }

    [Test]
    public async Task ATransferDestinationGetsTheKeyAndTheSourceDoesNot()
    {
        using var kit = new TransferKit();
        await using var source = LoopbackServer.Ok("file");
        await using var destination = LoopbackServer.Ok("{}");
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "url": "{{source.Url("/f")}}" },
              "destination": { "url": "{{destination.Url("/upload")}}", "method": "PUT" } }
            """);
        var run = new StepRun(new Tenancy.TenantContext(TransferKit.Tenant.Value, null, null), null, StepKit.Scope()) { RuleId = "rule_1", EventKey = "event-1" };

        await kit.RunAsync(step, run);
        await kit.RunAsync(step, run with { });

        var keys = destination.Requests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.That(keys, Has.Length.EqualTo(2));
        Assert.That(keys[0], Is.EqualTo(IdempotencyKeys.For(run, "copy")));
        Assert.That(keys[1], Is.EqualTo(keys[0]));
        Assert.That(source.Requests.Select(r => r.Header("Idempotency-Key")), Is.All.Null);
    }

    [Test]
    public void TheKeyIsAHashThatCarriesNoEventData()
    {
        var scope = SampleEvents.Scope(SampleEvents.With("summary", "CANARY-summary"));
        var key = IdempotencyKeys.For(PolicyHarness.Run(Tenant.Value, scope, "rule_1"), "create");

        Assert.That(key, Does.Match("^blubees-[0-9a-f]{40}$"));
        Assert.That(IdempotencyKeys.For(PolicyHarness.Run(Tenant.Value, SampleEvents.Scope(SampleEvents.With("summary", "other")), "rule_1"), "create"),
            Is.EqualTo(key), "the key names the event by its identifiers, not by its content");
    }

    private static JsonObject Later()
    {
        var scope = StepKit.Scope();
        scope["event"]!["timestamp"] = "1999999999999";
        return scope;
    }
}
