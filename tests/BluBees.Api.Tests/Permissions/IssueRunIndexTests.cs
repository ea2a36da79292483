using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Common;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// The issue panel's run history is indexed by the Jira issue id, which a move to another project keeps and a
/// re-created project's issues never reuse (issue keys do neither). <c>GET /api/issues/{key}/runs?issueId=</c>: Jira is
/// asked whether the caller may browse the issue with that id; the key only finds what builds before the id index wrote
/// under the key, and of that only runs whose record names the same id.
/// </summary>
public sealed class IssueRunIndexTests : BackendFixture
{
    private const string Viewer = "557058:viewer";

    [TearDown]
    public void ResetJira() => Backend.Jira.IssueGrant = FakeJira.DefaultIssueGrant;

    private static int NewNumber() => Random.Shared.Next(1000, 999_999);

    /// <summary>An issue event for <paramref name="key"/> with the issue id <paramref name="id"/>, distinct from every other one.</summary>
    private static JsonObject Event(string key, string id)
    {
        var evt = Samples.Event(key, "moved " + Guid.NewGuid().ToString("N")[..6]);
        evt["issue"]!["id"] = id;
        evt["changelog"]!["id"] = NewNumber().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return evt;
    }

    private async Task<string> RuleOnOpsAndSupAsync(string tenant)
    {
        var rule = Samples.Rule(await CreateConnectionAsync(tenant), "On both projects");
        rule["trigger"]!["projects"] = new JsonArray("OPS", "SUP");
        return (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
    }

    private async Task RunAsync(string tenant, string key, string id, int expectedRuns)
    {
        using (var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Event(key, id)))
        {
            Assert.That((int)response.StatusCode, Is.LessThan(300));
        }

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count == expectedRuns);
    }

    private static IEnumerable<string> Keys(JsonNode page) => page["items"]!.AsArray().Select(r => r!["issueKey"]!.GetValue<string>());

    [Test]
    public async Task A_moved_issue_shows_its_history_under_its_new_key()
    {
        var tenant = Samples.NewTenant();
        await RuleOnOpsAndSupAsync(tenant);
        var id = "3" + NewNumber();
        var (before, after) = ("OPS-" + NewNumber(), "SUP-" + NewNumber());
        await RunAsync(tenant, before, id, 1);
        await RunAsync(tenant, after, id, 2); // moved: same id, new key

        var history = await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(after, id), tenant);
        Assert.That(Keys(history), Is.EqualTo(new[] { after, before }), "both runs, newest first, each with the key it ran under");
    }

    [Test]
    public async Task A_re_created_issue_with_the_same_key_shows_none_of_the_old_ones_runs()
    {
        var tenant = Samples.NewTenant();
        await RuleOnOpsAndSupAsync(tenant);
        var key = "OPS-" + NewNumber();
        var (old, renewed) = ("4" + NewNumber(), "5" + NewNumber());
        await RunAsync(tenant, key, old, 1);

        var history = await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(key, renewed), tenant);
        Assert.That(history["items"]!.AsArray(), Is.Empty, "the project was deleted and re-created: another issue with the same key");
        Assert.That(history["ruleNames"]!.AsObject(), Is.Empty, "not even the old runs' rule names");
        Assert.That(Keys(await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(key, old), tenant)), Is.EqualTo(new[] { key }), "control: the old issue's id finds it");
    }

    [Test]
    public async Task Runs_an_earlier_build_indexed_by_key_show_only_for_the_issue_they_were_written_for()
    {
        var tenant = Samples.NewTenant();
        var key = "OPS-" + NewNumber();
        var (old, renewed) = ("6" + NewNumber(), "7" + NewNumber());
        var store = Backend.Services.GetRequiredService<IStore>();
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        async Task<string> LegacyAsync(string? issueId, int minute)
        {
            var runId = Ids.NewRunId(at.AddMinutes(minute));
            var run = new RunRecord(runId, "rule_legacy", 1, "event", "avi:jira:updated:issue", issueId, key, at.AddMinutes(minute), 3, RunStatus.Succeeded, null, []);
            await store.PutAsync(new StoreItem(BluBees.Engine.Storage.Keys.Tenant(tenant), BluBees.Engine.Storage.Keys.Run(runId), StoredJson.Write(run)), CancellationToken.None);
            await store.PutAsync(new StoreItem(BluBees.Engine.Storage.Keys.Tenant(tenant), BluBees.Engine.Storage.Keys.LegacyIssueRun(key, runId), StoredJson.Write(new { RunId = runId })), CancellationToken.None);
            return runId;
        }

        var ofOld = await LegacyAsync(old, 0);
        var ofRenewed = await LegacyAsync(renewed, 1);
        await LegacyAsync(null, 2); // a record without an issue id: which issue it was for is not known

        var forRenewed = await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(key, renewed), tenant);
        var forOld = await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(key, old), tenant);
        Assert.Multiple(() =>
        {
            Assert.That(forRenewed["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Is.EqualTo(new[] { ofRenewed }));
            Assert.That(forOld["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Is.EqualTo(new[] { ofOld }));
        });
    }

    [Test]
    public async Task Jira_is_asked_about_the_issue_id_and_a_user_who_may_not_browse_it_is_refused()
    {
        var tenant = Samples.NewTenant();
        await RuleOnOpsAndSupAsync(tenant);
        var key = "OPS-" + NewNumber();
        var (secret, visible) = ("8" + NewNumber(), "9" + NewNumber());
        await RunAsync(tenant, key, secret, 1);
        // The viewer may browse the issue with id `visible` (and its key), not the one with id `secret`.
        Backend.Jira.IssueGrant = (account, issue, permission) => FakeJira.DefaultIssueGrant(account, issue, permission)
            || account == Viewer && permission == "BROWSE_PROJECTS" && (issue == visible || issue == key);

        using var refused = await Backend.SendAsync(HttpMethod.Get, FakeJira.RunsPath(key, secret), tenant, accountId: Viewer);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a key the viewer may browse does not open another id's runs");
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Not.Contain("rule_"));
        Assert.That(Backend.Jira.Calls[^1].Query, Is.EqualTo($"?issueId={secret}&permissions=BROWSE_PROJECTS"));

        using var allowed = await Backend.SendAsync(HttpMethod.Get, FakeJira.RunsPath(key, visible), tenant, accountId: Viewer);
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(JsonNode.Parse(await allowed.Content.ReadAsStringAsync())!["items"]!.AsArray(), Is.Empty, "the id the viewer may browse has no runs");

        foreach (var bad in new[] { "", "?issueId=", "?issueId=OPS-1", "?issueId=1%262", "?issueId=1&issueId=2", "?issueId=" + new string('1', 19) })
        {
            var before = Backend.Jira.CallCount;
            using var response = await Backend.SendAsync(HttpMethod.Get, $"/api/issues/{key}/runs{bad}", tenant);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), bad);
            Assert.That(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!["issueId"], Is.Not.Null, bad);
            Assert.That(Backend.Jira.CallCount, Is.EqualTo(before), "an ill-formed id is never sent to Jira: " + bad);
        }
    }

    [Test]
    public async Task Another_tenant_never_sees_the_runs_of_an_issue_id()
    {
        var (a, b) = (Samples.NewTenant(), Samples.NewTenant());
        await RuleOnOpsAndSupAsync(a);
        var key = "OPS-" + NewNumber();
        var id = "2" + NewNumber();
        await RunAsync(a, key, id, 1);

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(key, id), b))["items"]!.AsArray(), Is.Empty, "tenant b's partition");
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, FakeJira.RunsPath(key, id), a))["items"]!.AsArray(), Has.Count.EqualTo(1), "control");
        using var outsider = await Backend.SendAsync(HttpMethod.Get, FakeJira.RunsPath(key, id), b, accountId: "557058:outsider");
        Assert.That(outsider.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
