using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// "For each issue matching": a cron occurrence with a JQL searches the loopback Jira (enhanced search, paged by
/// nextPageToken, system token) and runs the rule once per issue, each keyed by tick + issue, with the issue in scope.
/// </summary>
public sealed class CronJqlTests : CronTickHarness
{
    private const string SystemToken = "sys-schedule-token";

    [SetUp]
    public void ResetJira()
    {
        Backend.Jira.SystemToken = SystemToken;
        Backend.Jira.SearchIssues.Clear();
        Backend.Jira.SearchStatus = null;
        Backend.Jira.SearchRetryAfter = null;
        Backend.Jira.SearchRateLimitReset = null;
        Backend.Jira.OnSearch = null;
        Backend.Jira.SearchIssues.AddRange(Enumerable.Range(1, 5).Select(i => ($"100{i}", $"OPS-{i}")));
    }

    private async Task<(string RuleId, TenantContext Context, FakeTimeProvider Clock)> NewRuleAsync(int? maxIssues = null)
    {
        var tenant = Samples.NewTenant();
        var ruleId = await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *", jql: "project = OPS AND statusCategory != Done", maxIssues: maxIssues), "/jql"));
        return (ruleId, new TenantContext(tenant, null, null), new FakeTimeProvider(Clock.GetUtcNow()));
    }

    [Test]
    public async Task Each_matching_issue_runs_once_per_occurrence_across_pages()
    {
        var (ruleId, context, clock) = await NewRuleAsync();
        var occurrence = NextFive(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromMinutes(5));
        var before = Backend.Jira.Searches.Count;
        var queue = new RecordingQueue();

        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.EqualTo(5));
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero, "a retry of the tick queues no issue again");

        var searches = Backend.Jira.Searches.Skip(before).ToList();
        var payloads = queue.Messages.Select(m => JsonNode.Parse(m.Payload)!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(searches.Select(s => s.NextPageToken), Is.EqualTo(new[] { null, "page-2", "page-4" }), "paged with nextPageToken");
            Assert.That(searches.Select(s => s.Authorization).Distinct(), Is.EqualTo(new[] { "Bearer " + SystemToken }));
            Assert.That(searches.Select(s => s.Jql).Distinct(), Is.EqualTo(new[] { "project = OPS AND statusCategory != Done" }));
            Assert.That(searches[0].Fields, Does.Contain("summary").And.Contain("project"));
            Assert.That(payloads.Select(p => p["issue"]!["key"]!.GetValue<string>()), Is.EqualTo(new[] { "OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5" }));
            Assert.That(payloads[0]["issue"]!["fields"]!["project"]!["key"]!.GetValue<string>(), Is.EqualTo("OPS"));
            Assert.That(payloads[0]["issue"]!.AsObject().ContainsKey("self"), Is.False);
            Assert.That(queue.Messages.Select(m => m.DedupKey), Is.EqualTo(Enumerable.Range(1, 5).Select(i => Keys.ScheduleTickIssue(ruleId, occurrence, $"100{i}"))));
            Assert.That(queue.Messages.Select(m => m.SystemToken).Distinct(), Is.EqualTo(new[] { SystemToken }));
        });
    }

    /// <summary>
    /// An issue of the search's answer is keyed by its id (the occurrence's de-duplication key, stored as the marker's
    /// sort key, and the run record's issue id). Jira's ids are digits; an answer with any other text there (pass-through
    /// data) had it stored verbatim in the marker's key. Such an issue is not run.
    /// </summary>
    [Test]
    public async Task An_answer_issue_whose_id_is_not_a_jira_id_is_not_run_and_its_id_is_kept_nowhere()
    {
        var canary = Samples.Canary("searchid");
        Backend.Jira.SearchIssues.Insert(2, (canary, "OPS-9"));
        var (_, context, clock) = await NewRuleAsync();
        clock.Advance(TimeSpan.FromMinutes(5));
        var queue = new RecordingQueue();

        var queued = (await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued;
        Assert.Multiple(async () =>
        {
            Assert.That(queued, Is.EqualTo(5), "the five issues with Jira ids");
            Assert.That(queue.Messages.Select(m => m.DedupKey + " " + m.Payload), Has.None.Contains(canary), "neither a key nor a run");
            Assert.That(string.Join('\n', await Backend.DumpStoreAsync()), Does.Not.Contain(canary), "stored items");
        });
    }

    [Test]
    public async Task MaxIssues_caps_the_issues_and_the_pages()
    {
        var (_, context, clock) = await NewRuleAsync(maxIssues: 3);
        clock.Advance(TimeSpan.FromMinutes(5));
        var before = Backend.Jira.Searches.Count;
        var queue = new RecordingQueue();

        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.EqualTo(3));
        var searches = Backend.Jira.Searches.Skip(before).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(searches.Select(s => s.MaxResults), Is.EqualTo(new int?[] { 3, 1 }), "never asks for more than it keeps");
            Assert.That(queue.Messages.Select(m => JsonNode.Parse(m.Payload)!["issue"]!["key"]!.GetValue<string>()), Is.EqualTo(new[] { "OPS-1", "OPS-2", "OPS-3" }));
        });
    }

    [Test]
    public async Task After_a_429_with_Retry_After_the_search_waits_that_long_then_catches_up()
    {
        var (_, context, clock) = await NewRuleAsync();
        var occurrence = NextFive(clock.GetUtcNow());
        clock.SetUtcNow(occurrence.AddSeconds(10));
        Backend.Jira.SearchStatus = 429;
        Backend.Jira.SearchRetryAfter = "1800";
        var queue = new RecordingQueue();
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero);

        var searches = Backend.Jira.Searches.Count;
        Backend.Jira.SearchStatus = null;
        for (var tick = 0; tick < 5; tick++)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero);
        }

        Assert.That(Backend.Jira.Searches, Has.Count.EqualTo(searches), "Jira's Retry-After (30 minutes) is honoured: asking earlier extends the limit");
        clock.Advance(TimeSpan.FromMinutes(6)); // past the 30 minutes
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.EqualTo(7 * 5), "the 7 missed occurrences, 5 issues each");
        Assert.That(Occurrences(queue.Messages).Min(), Is.EqualTo(occurrence), "the occurrence the refused search missed");
    }

    [Test]
    public async Task A_Retry_After_in_seconds_counts_from_Jiras_answer_not_from_the_start_of_a_slow_search()
    {
        var (_, context, clock) = await NewRuleAsync();
        var occurrence = NextFive(clock.GetUtcNow());
        var start = occurrence.AddSeconds(10);
        clock.SetUtcNow(start);
        // Each page takes 2 minutes; the second is refused with Retry-After: 600, 4 minutes after the tick began.
        Backend.Jira.OnSearch = call =>
        {
            clock.Advance(TimeSpan.FromMinutes(2));
            if (call.NextPageToken is not null)
            {
                (Backend.Jira.SearchStatus, Backend.Jira.SearchRetryAfter) = (429, "600");
            }
        };
        var queue = new RecordingQueue();
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero);
        Backend.Jira.OnSearch = null;
        Backend.Jira.SearchStatus = null;
        var searches = Backend.Jira.Searches.Count;

        clock.SetUtcNow(start.AddMinutes(13)); // 9 minutes after Jira's answer: its 10 minutes are not up
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero);
        Assert.That(Backend.Jira.Searches, Has.Count.EqualTo(searches), "not asked before Jira's Retry-After, counted from its answer");

        clock.SetUtcNow(start.AddMinutes(15));
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.GreaterThan(0), "asked again once it is up");
    }

    [Test]
    public async Task After_a_429_with_only_X_RateLimit_Reset_the_search_waits_until_then()
    {
        var (_, context, clock) = await NewRuleAsync();
        var occurrence = NextFive(clock.GetUtcNow());
        clock.SetUtcNow(occurrence.AddSeconds(10));
        Backend.Jira.SearchStatus = 429;
        Backend.Jira.SearchRateLimitReset = occurrence.AddMinutes(30).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var queue = new RecordingQueue();
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero);

        var searches = Backend.Jira.Searches.Count;
        Backend.Jira.SearchStatus = null;
        for (var tick = 0; tick < 5; tick++)
        {
            clock.Advance(TimeSpan.FromMinutes(5));
            Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.Zero);
        }

        Assert.That(Backend.Jira.Searches, Has.Count.EqualTo(searches), "not asked again before Jira's X-RateLimit-Reset");
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.EqualTo(7 * 5));
    }

    [TestCase(400)]
    [TestCase(429)]
    [TestCase(503)]
    public async Task A_failed_search_fires_nothing_and_the_next_tick_searches_again(int status)
    {
        var (_, context, clock) = await NewRuleAsync();
        var occurrence = NextFive(clock.GetUtcNow());
        clock.SetUtcNow(occurrence.AddSeconds(10)); // the minute added below crosses no further occurrence
        Backend.Jira.SearchStatus = status;
        var queue = new RecordingQueue();

        var failed = await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None);
        Assert.That((failed.Queued, failed.Busy), Is.EqualTo((0, false)));

        Backend.Jira.SearchStatus = null;
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.That((await Runner(clock, queue).FireDueAsync(context, SystemToken, CancellationToken.None)).Queued, Is.EqualTo(5));
        Assert.That(Occurrences(queue.Messages).Distinct(), Is.EqualTo(new[] { occurrence }), "the occurrence the failed search missed");
    }

    [Test]
    public async Task Without_the_system_token_Jira_is_not_called()
    {
        var (_, context, clock) = await NewRuleAsync();
        clock.Advance(TimeSpan.FromMinutes(5));
        var before = Backend.Jira.Searches.Count;

        Assert.That((await Runner(clock, new RecordingQueue()).FireDueAsync(context, null, CancellationToken.None)).Queued, Is.Zero);
        Assert.That(Backend.Jira.Searches, Has.Count.EqualTo(before));
    }

    [Test]
    public async Task Each_issue_run_has_its_issue_in_scope_like_an_issue_event()
    {
        var tenant = Samples.NewTenant();
        var path = "/each-" + Guid.NewGuid().ToString("N")[..8];
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), Cron("*/5 * * * *", jql: "project = OPS", maxIssues: 2), path,
            new JsonObject { ["key"] = "{{ issue.key }}", ["summary"] = "{{ issue.fields.summary }}", ["source"] = "{{ event.source }}" }));
        Clock.Advance(TimeSpan.FromMinutes(5));

        // The backend's own ingress and durable queue: the runs really happen.
        var s = Backend.Services;
        var cron = new BluBees.Api.Scheduling.CronTicks(s.GetRequiredService<IStore>(), s.GetRequiredService<EventIngestor>(),
            ActivatorUtilities.CreateInstance<BluBees.Engine.Steps.Jira.JiraIssueSearch>(s), s.GetRequiredService<RunStore>(), Clock, NullLogger<BluBees.Api.Scheduling.CronTicks>.Instance);
        var runner = new BluBees.Api.Scheduling.ScheduleRunner(s.GetRequiredService<BluBees.Engine.Rules.RuleService>(), s.GetRequiredService<IStore>(),
            s.GetRequiredService<EventIngestor>(), s.GetRequiredService<TenantService>(), cron, s.GetRequiredService<BluBees.Engine.Rules.IRuleRunHistory>(), Clock, NullLogger<BluBees.Api.Scheduling.ScheduleRunner>.Instance);
        Assert.That((await runner.FireDueAsync(new TenantContext(tenant, null, null), SystemToken, CancellationToken.None)).Queued, Is.EqualTo(2));

        var received = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2" + path)), r => r.Count >= 2);
        var bodies = received.Select(r => JsonNode.Parse(r.Body)!).OrderBy(b => b["key"]!.GetValue<string>()).ToList();
        Assert.That(bodies.Select(b => (b["key"]!.GetValue<string>(), b["summary"]!.GetValue<string>(), b["source"]!.GetValue<string>())),
            Is.EqualTo(new[] { ("OPS-1", "Issue OPS-1", "schedule"), ("OPS-2", "Issue OPS-2", "schedule") }));
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["issueKey"]?.GetValue<string>()).Order(), Is.EqualTo(new[] { "OPS-1", "OPS-2" }));
    }
}
