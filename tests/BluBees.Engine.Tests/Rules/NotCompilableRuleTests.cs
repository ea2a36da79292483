using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;
using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Hosting;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Steps.Transfer;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Rules;

/// <summary>
/// A stored rule version that this build cannot compile (a member a later build wrote, a template or a time zone
/// this build refuses), on the event path over real SQLite: the ingress still answers (it threw JsonException for a
/// later build's member, a 500 for every event of the tenant), the worker records a <c>rule_invalid</c> run for each
/// event that reaches it and none for a message that cannot reach it, and the version is read, compiled, logged
/// (rule id and version only) and counted once, not per event.
/// </summary>
public sealed class NotCompilableRuleTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly TenantContext Tenant = new("ari:cloud:ecosystem::installation/not-compilable", "cloud", null);
    private static readonly TenantId TenantId = new(Tenant.TenantId);

    [Test]
    public async Task A_version_a_later_build_wrote_is_accepted_at_the_ingress_and_each_event_is_a_rule_invalid_run_with_one_warning()
    {
        using var dir = new TempDirectory();
        using var logs = new TransferKit.LogLines();
        using var meters = new RecordingMeterFactory();
        await using var services = Instance(dir, logs, meters);
        var ruleId = await CreateRuleAsync(services, EventRule(await ConnectionIdAsync(services)));
        await RewriteVersionAsync(services, ruleId, data => data.Replace("\"name\":", "\"addedByALaterBuild\":true,\"name\":", StringComparison.Ordinal));
        var found = Listen(meters);

        var ingress = services.GetRequiredService<EventIngestor>();
        var processor = services.GetRequiredService<RunProcessor>();
        var records = new List<RunRecord>();
        for (var i = 0; i < 3; i++)
        {
            var evt = SampleEvents.Event(SampleEvents.IssueUpdated.Replace("1705314600000", (1705314600000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            Assert.That(await ingress.IngestAsync(Tenant, evt, null, null, Ct), Is.EqualTo(IngestResult.Accepted), "queued: the worker records the rule");
            records.AddRange(await processor.ExecuteAsync(new RunMessage(Tenant, RunSource.Event, evt.Body.ToJsonString(), DateTimeOffset.UtcNow, Id: "m" + i), Ct));
        }

        var warnings = WarningsOf(logs, ruleId);
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(r => (r.RuleId, r.Status, r.ErrorCategory)), Is.EqualTo(Enumerable.Repeat((ruleId, RunStatus.Failed, (string?)ErrorCategories.RuleInvalid), 3)));
            Assert.That(warnings, Has.Count.EqualTo(1), "one warning for the version, not one per event");
            Assert.That(warnings.FirstOrDefault(), Does.Contain("v1").And.Contains("(unreadable)"));
            Assert.That(warnings.FirstOrDefault(), Does.Not.Contain("addedByALaterBuild").And.Not.Contain("Forward updates").And.Not.Contain("PRJ-12"), "no rule content, no event");
            Assert.That(found, Is.EqualTo(new[] { "unreadable" }), "counted once, by reason");
        });
    }

    [Test]
    public async Task A_version_that_no_longer_compiles_is_read_and_compiled_once_not_per_event()
    {
        using var dir = new TempDirectory();
        using var logs = new TransferKit.LogLines();
        using var meters = new RecordingMeterFactory();
        await using var services = Instance(dir, logs, meters);
        var ruleId = await CreateRuleAsync(services, EventRule(await ConnectionIdAsync(services)));
        var valid = await RewriteVersionAsync(services, ruleId, data => data.Replace("/hook", "/hook/{{ issue.key ", StringComparison.Ordinal));
        var found = Listen(meters);
        var rules = services.GetRequiredService<RuleService>();
        var head = (await rules.ListHeadsForRunAsync(TenantId, Ct)).Single();

        Assert.That(await rules.LoadCompiledAsync(TenantId, head, Ct), Is.Null, "the template no longer parses");
        // Were the version read again, it would now compile: the next loads answer from what the first one found.
        await services.GetRequiredService<IStore>().ForTenant(TenantId).PutAsync(Keys.RuleVersion(ruleId, 1), valid, Ct);
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await rules.LoadCompiledAsync(TenantId, head, Ct), Is.Null, "no store read and no compile per event");
        }

        Assert.Multiple(() =>
        {
            Assert.That(WarningsOf(logs, ruleId), Has.Count.EqualTo(1));
            Assert.That(WarningsOf(logs, ruleId).FirstOrDefault(), Does.Contain("(invalid)"));
            Assert.That(found, Is.EqualTo(new[] { "invalid" }));
        });

        services.GetRequiredService<RuleCache>().Clear();
        Assert.That(await rules.LoadCompiledAsync(TenantId, head, Ct), Is.Not.Null, "control: the store now holds a version that compiles");
    }

    [Test]
    public async Task A_schedule_rule_that_no_longer_compiles_leaves_no_record_for_a_Jira_event_and_the_event_rule_still_runs()
    {
        using var dir = new TempDirectory();
        using var logs = new TransferKit.LogLines();
        using var meters = new RecordingMeterFactory();
        await using var services = Instance(dir, logs, meters);
        var connection = await ConnectionIdAsync(services);
        var scheduled = await CreateRuleAsync(services, EventRule(connection) with
        {
            Name = "Nightly",
            Trigger = new TriggerDefinition { Type = "schedule", Schedule = new ScheduleDefinition { Cron = "30 2 * * *", TimeZone = "Europe/Berlin" } },
        });
        var onEvents = await CreateRuleAsync(services, EventRule(connection) with { Conditions = Never() });
        // As after a tzdata update that dropped the zone (2020b dropped US/Pacific-New).
        await RewriteVersionAsync(services, scheduled, data => data.Replace("Europe/Berlin", "US/Pacific-New", StringComparison.Ordinal));
        var evt = SampleEvents.Event();

        var misses = new List<BluBees.Engine.Runs.Trace.RuleTraceEntry>();
        var records = await services.GetRequiredService<RunProcessor>().ExecuteAsync(new RunMessage(Tenant, RunSource.Event, evt.Body.ToJsonString(), DateTimeOffset.UtcNow, Id: "m"), misses, Ct);
        var exhausted = await services.GetRequiredService<RunProcessor>().ExhaustedAsync(new RunMessage(Tenant, RunSource.Event, evt.Body.ToJsonString(), DateTimeOffset.UtcNow, Id: "m2"), null, Ct);
        var named = await services.GetRequiredService<RunProcessor>().ExecuteAsync(
            new RunMessage(Tenant, RunSource.Schedule, new JsonObject { ["eventType"] = "blubees:schedule" }.ToJsonString(), DateTimeOffset.UtcNow, RuleId: scheduled, Id: "m3"), Ct);

        Assert.Multiple(() =>
        {
            Assert.That(records, Is.Empty, "the schedule rule is not reached by a Jira event; the event rule's condition failed");
            Assert.That(misses.Select(m => (m.RuleId, m.Stage)), Is.EqualTo(new[] { (onEvents, "conditions") }), "the event rule ran up to its conditions");
            Assert.That(exhausted.Select(r => r.RuleId), Has.None.EqualTo(scheduled), "an exhausted event message is not the schedule rule's either");
            Assert.That(named.Select(r => (r.RuleId, r.ErrorCategory)), Is.EqualTo(new[] { (scheduled, (string?)ErrorCategories.RuleInvalid) }), "a message naming the rule still records it");
            Assert.That(WarningsOf(logs, scheduled), Has.Count.EqualTo(1));
        });
    }

    private static List<string> WarningsOf(TransferKit.LogLines logs, string ruleId)
        => [.. logs.AllText.Split('\n').Where(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("cannot be compiled", StringComparison.Ordinal) && l.Contains("RuleId=" + ruleId, StringComparison.Ordinal))];

    private static List<string> Listen(RecordingMeterFactory meters)
    {
        var found = new List<string>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (meters.Created.Contains(instrument.Meter) && instrument.Name == "blubees.rules.not_compilable")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            lock (found)
            {
                found.Add((string)tags[0].Value!);
            }
        });
        listener.Start();
        meters.Listeners.Add(listener);
        return found;
    }

    private static ConditionNode Never() => new() { Field = "issue.fields.priority.name", Op = "equals", Value = JsonValue.Create("Never") };

    private static async Task<string> RewriteVersionAsync(IServiceProvider services, string ruleId, Func<string, string> change)
    {
        var partition = services.GetRequiredService<IStore>().ForTenant(TenantId);
        var stored = await partition.GetAsync(Keys.RuleVersion(ruleId, 1), Ct) ?? throw new InvalidOperationException("no version");
        var changed = change(stored.Data);
        Assert.That(changed, Is.Not.EqualTo(stored.Data), "the test changed the stored version");
        await partition.PutAsync(stored.Sk, changed, Ct);
        services.GetRequiredService<RuleCache>().Clear(); // as after a restart onto this build
        return stored.Data;
    }

    private static ServiceProvider Instance(TempDirectory dir, ILoggerProvider logs, IMeterFactory meters)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir.Path,
        }).Build();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(logs)).AddSingleton<IConfiguration>(config).AddSingleton(meters);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        return services.BuildServiceProvider();
    }

    private static async Task<string> CreateRuleAsync(IServiceProvider services, RuleDefinition definition)
    {
        var rule = await services.GetRequiredService<RuleService>().CreateAsync(TenantId, definition, "test", Ct);
        return rule.Value?.Id ?? throw new InvalidOperationException("rule: " + rule.Errors + rule.Detail);
    }

    private static async Task<string> ConnectionIdAsync(IServiceProvider services)
    {
        await services.GetRequiredService<TenantService>().InstallAsync(Tenant, Ct);
        var created = await services.GetRequiredService<ConnectionService>().CreateAsync(TenantId, new ConnectionInput
        {
            Name = "Hook",
            BaseUrl = "https://hooks.example.com/api",
            Auth = new ConnectionAuth { Type = "bearer" },
            Secret = "s3cret-value",
        }, Ct);
        return created.Value?.Id ?? throw new InvalidOperationException("connection: " + created.Errors + created.Detail);
    }

    private static RuleDefinition EventRule(string connectionId) => new()
    {
        Name = "Forward updates",
        Enabled = true,
        Trigger = new TriggerDefinition { Type = "event", Events = ["avi:jira:updated:issue"] },
        Steps = [new HttpStepDefinition { Id = "forward", Connection = connectionId, Method = "POST", Path = "/hook" }],
    };

    /// <summary>Every meter it creates (the engine's BluBees meter among them), so a listener hears this test's only.</summary>
    private sealed class RecordingMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public List<MeterListener> Listeners { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (Created)
            {
                Created.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            Listeners.ForEach(l => l.Dispose());
            Created.ForEach(m => m.Dispose());
        }
    }
}
