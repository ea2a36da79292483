using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>The per-rule, per-issue run counter that stops a rule re-triggering itself, on the store and the fake clock.</summary>
[TestFixture]
public sealed class LoopGuardTests
{
    private TempDirectory _dir = null!;
    private FakeTimeProvider _time = null!;
    private LoopGuard _guard = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = _dir.Path }), _time);
        _guard = new LoopGuard(store, _time, Options.Create(new JiraActionOptions { LoopMaxRuns = 3, LoopWindowSeconds = 60 }));
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public async Task The_run_after_the_limit_within_the_window_is_refused_and_the_window_slides()
    {
        var entered = new List<bool>();
        for (var i = 0; i < 4; i++)
        {
            entered.Add(await _guard.TryEnterAsync(new TenantId("t1"), "rule_a", "10012", CancellationToken.None));
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.That(entered, Is.EqualTo(new[] { true, true, true, false }));
        _time.Advance(TimeSpan.FromSeconds(50)); // the first run is now older than the window
        Assert.That(await _guard.TryEnterAsync(new TenantId("t1"), "rule_a", "10012", CancellationToken.None), Is.True);
    }

    [Test]
    public async Task Counts_are_per_tenant_rule_and_issue()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await _guard.TryEnterAsync(new TenantId("t1"), "rule_a", "10012", CancellationToken.None), Is.True);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await _guard.TryEnterAsync(new TenantId("t1"), "rule_a", "10012", CancellationToken.None), Is.False);
            Assert.That(await _guard.TryEnterAsync(new TenantId("t2"), "rule_a", "10012", CancellationToken.None), Is.True, "another tenant");
            Assert.That(await _guard.TryEnterAsync(new TenantId("t1"), "rule_b", "10012", CancellationToken.None), Is.True, "another rule");
            Assert.That(await _guard.TryEnterAsync(new TenantId("t1"), "rule_a", "10013", CancellationToken.None), Is.True, "another issue");
        });
    }

    [Test]
    public void An_event_carrying_the_rules_own_trace_is_its_echo()
    {
        var trace = JiraTrace.New("rule_a");

        Assert.That(LoopGuard.IsOwnEcho(trace, "rule_a"), Is.True);
        Assert.That(LoopGuard.IsOwnEcho(trace, "rule_b"), Is.False);
        Assert.That(LoopGuard.IsOwnEcho(null, "rule_a"), Is.False);
    }
}
