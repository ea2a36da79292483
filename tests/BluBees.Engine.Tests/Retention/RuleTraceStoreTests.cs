using BluBees.Engine.Retention;
using BluBees.Engine.Runs;
using BluBees.Engine.Runs.Trace;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using StorageKeys = BluBees.Engine.Storage.Keys;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Retention;

/// <summary>A rule's "why didn't it run?" trace is bounded, expires like its runs, and is deleted with the rule.</summary>
public sealed class RuleTraceStoreTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => CancellationToken.None;

    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private SqliteStore _store = null!;
    private RunOptions _options = null!;
    private RunStore _runs = null!;

    [SetUp]
    public async Task OpenAsync()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(Start);
        _store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
        _options = new RunOptions { RetentionDays = 7 };
        _runs = new RunStore(_store, _time, Options.Create(_options));

        // The rules the entries explain exist (a trace write takes back the entries of rules that do not).
        foreach (var (tenant, rule) in new[] { ("t1", "rul_a"), ("t1", "rul_ab"), ("t2", "rul_a") })
        {
            await _store.ForTenant(new TenantId(tenant)).PutAsync(StorageKeys.Rule(rule), "{}", Ct);
        }
    }

    [Test]
    public async Task An_entry_of_a_rule_that_no_longer_exists_is_taken_back_after_the_write()
    {
        await _runs.WriteTraceAsync(new TenantId("t1"), [Entry("rul_a", "msg_1"), Entry("rul_gone", "msg_1")], Ct);

        Assert.That(await _runs.ListTraceAsync(new TenantId("t1"), "rul_a", Ct), Has.Count.EqualTo(1));
        Assert.That(RawCount(StorageKeys.RuleTracePrefix("rul_gone")), Is.Zero, "the deleted rule's entry is not left behind");
    }

    [Test]
    public async Task With_many_rules_the_check_reads_the_rule_list_once_and_keeps_the_entries_of_existing_rules()
    {
        var tenant = new TenantId("t3");
        var rules = Enumerable.Range(0, 12).Select(i => "rul_" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var rule in rules.Take(10))
        {
            await _store.ForTenant(tenant).PutAsync(StorageKeys.Rule(rule), "{}", Ct);
        }

        await _runs.WriteTraceAsync(tenant, [.. rules.Select(r => Entry(r, "msg_1"))], Ct);

        Assert.That(RawCount("TRACE#"), Is.EqualTo(10), "the ten existing rules keep their entries, the two gone do not");
    }

    [TearDown]
    public void Close()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private RuleTraceEntry Entry(string ruleId, string messageId, string issueKey = "OPS-1") =>
        new(ruleId, 1, _time.GetUtcNow(), "event", "avi:jira:updated:issue", "10001", issueKey, TraceStages.Trigger, "trigger.projects", "in")
        {
            MessageId = messageId,
        };

    private long RawCount(string skPrefix)
    {
        using var connection = new SqliteConnection($"Data Source={_store.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM items WHERE substr(sk, 1, length($prefix)) = $prefix;";
        command.Parameters.AddWithValue("$prefix", skPrefix);
        return (long)command.ExecuteScalar()!;
    }

    [Test]
    public async Task A_rule_keeps_at_most_fifty_entries_and_always_the_newest()
    {
        for (var i = 0; i < 300; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await _runs.WriteTraceAsync(new TenantId("t1"), [Entry("rul_a", "msg_" + i, "OPS-" + i)], Ct);
        }

        var trace = await _runs.ListTraceAsync(new TenantId("t1"), "rul_a", Ct);

        Assert.That(RawCount(StorageKeys.RuleTracePrefix("rul_a")), Is.LessThanOrEqualTo(RunStore.TraceSlots));
        Assert.That(trace, Has.Count.LessThanOrEqualTo(RunStore.TraceSlots).And.Count.GreaterThan(RunStore.TraceSlots / 2), "the ring is mostly full");
        Assert.That(trace[0].IssueKey, Is.EqualTo("OPS-299"), "newest first, and the newest is always kept");
        Assert.That(trace.Select(e => e.At), Is.Ordered.Descending);
    }

    [Test]
    public async Task A_redelivered_message_rewrites_its_own_entry()
    {
        await _runs.WriteTraceAsync(new TenantId("t1"), [Entry("rul_a", "msg_1")], Ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _runs.WriteTraceAsync(new TenantId("t1"), [Entry("rul_a", "msg_1")], Ct);

        var trace = await _runs.ListTraceAsync(new TenantId("t1"), "rul_a", Ct);

        Assert.That(trace, Has.Count.EqualTo(1));
        Assert.That(trace[0].At, Is.EqualTo(_time.GetUtcNow()));
    }

    [Test]
    public async Task Entries_expire_with_the_run_retention_and_the_purge_deletes_them()
    {
        await _runs.WriteTraceAsync(new TenantId("t1"), [Entry("rul_a", "msg_1")], Ct);
        var item = _runs.TraceItems(new TenantId("t1"), [Entry("rul_a", "msg_2")]).Single();
        Assert.That(item.ExpiresAt, Is.EqualTo(Start.AddDays(7).ToUnixTimeSeconds()), "the same retention as run records");
        _options.RetentionDays = 400; // a later setting never extends what was written

        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.That(await _runs.ListTraceAsync(new TenantId("t1"), "rul_a", Ct), Has.Count.EqualTo(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(await _runs.ListTraceAsync(new TenantId("t1"), "rul_a", Ct), Is.Empty);

        var purger = new RetentionPurger(_store, _time, Options.Create(new RetentionOptions()), NullLogger<RetentionPurger>.Instance);
        Assert.That(await purger.PurgeAsync(Ct), Is.EqualTo(1));
        Assert.That(RawCount("TRACE#"), Is.Zero);
    }

    [Test]
    public async Task Deleting_a_rules_trace_leaves_other_rules_and_tenants_alone()
    {
        await _runs.WriteTraceAsync(new TenantId("t1"), [Entry("rul_a", "msg_1"), Entry("rul_a", "msg_2"), Entry("rul_ab", "msg_1")], Ct);
        await _runs.WriteTraceAsync(new TenantId("t2"), [Entry("rul_a", "msg_1")], Ct);

        Assert.That(await RunStore.DeleteTraceAsync(_store, new TenantId("t1"), "rul_a", Ct), Is.EqualTo(2));

        Assert.That(await _runs.ListTraceAsync(new TenantId("t1"), "rul_a", Ct), Is.Empty);
        Assert.That(await _runs.ListTraceAsync(new TenantId("t1"), "rul_ab", Ct), Has.Count.EqualTo(1), "a rule id that starts with the other's is another rule");
        Assert.That(await _runs.ListTraceAsync(new TenantId("t2"), "rul_a", Ct), Has.Count.EqualTo(1));
    }

    [Test]
    public void No_entries_are_no_items()
    {
        Assert.That(_runs.TraceItems(new TenantId("t1"), []), Is.Empty);
    }
}
