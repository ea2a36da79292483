using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// The issue panel: an issue's runs (and the manual rules offered on it) are visible only to users whom Jira allows to
/// browse that issue; a manual run needs a user whom Jira allows to edit it. Jira is asked with the user's own token
/// (<c>GET /rest/api/3/mypermissions?issueKey=...&amp;permissions=...</c>); answers are cached per tenant, account, token
/// hash and question; failures refuse (503) and are not cached.
/// </summary>
public sealed class IssuePermissionTests : BackendFixture
{
    private const string Outsider = "557058:outsider";
    private const string Viewer = "557058:viewer";

    [TearDown]
    public void ResetJira()
    {
        Backend.Jira.Respond = null;
        Backend.Jira.Delay = TimeSpan.Zero;
        Backend.Jira.IssueGrant = Harness.FakeJira.DefaultIssueGrant;
        Backend.Jira.MissingIssues.Clear();
        Backend.Jira.SystemIssues = null;
    }

    private static string NewIssue() => "OPS-" + Random.Shared.Next(1000, 999_999);

    private async Task<string> ManualRuleAsync(string tenant)
    {
        var rule = Samples.Rule(await CreateConnectionAsync(tenant), "Escalate");
        rule["trigger"] = new JsonObject { ["type"] = "manual" };
        rule.Remove("conditions"); // a manual run sees the issue key only
        return (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
    }

    private void ViewerMayBrowseOnly() => Backend.Jira.IssueGrant = (account, _, permission)
        => Harness.FakeJira.DefaultIssueGrant(account, "", permission) || account == Viewer && permission == "BROWSE_PROJECTS";

    [Test]
    public async Task An_issues_runs_are_visible_only_to_users_who_may_browse_it()
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        var ruleId = await ManualRuleAsync(tenant);
        var systemToken = "sys-" + Guid.NewGuid().ToString("N");
        Backend.Jira.SystemToken = systemToken; // the run reads the issue as the app, and records its id
        Backend.Jira.SystemIssues = new() { [issue] = Harness.FakeJira.Issue(issue, new JsonObject { ["summary"] = "Browse me" }) };
        using (var run = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = issue }, systemToken: systemToken))
        {
            Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant), r => r["items"]!.AsArray().Count == 1);
        var before = Backend.Jira.CallCount;
        using var allowed = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User);
        using var refused = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: Outsider);
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(JsonNode.Parse(await allowed.Content.ReadAsStringAsync())!["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var problem = await ProblemAsync(refused);
        Assert.That(problem["requiredPermission"]!.GetValue<string>(), Is.EqualTo("BROWSE_PROJECTS"));
        Assert.That(problem.ToJsonString(), Does.Not.Contain(ruleId), "nothing of the runs leaks into the refusal");

        var calls = Backend.Jira.Calls.Skip(before).ToList();
        Assert.That(calls, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(calls.Select(c => c.Path), Is.All.EqualTo("/rest/api/3/mypermissions"));
            Assert.That(calls[0].Query, Is.EqualTo($"?issueId={Harness.FakeJira.IssueId(issue)}&permissions=BROWSE_PROJECTS"), "asked by the id the runs are indexed by");
            Assert.That(calls.Select(c => c.CarriedUserToken), Is.All.True, "asked with the caller's own user token");
            Assert.That(calls.Select(c => c.AccountId), Is.EqualTo(new[] { AdminWriteTests.User, Outsider }));
        });
    }

    [Test]
    public async Task An_issue_Jira_does_not_show_the_user_is_403_and_a_malformed_key_is_400_without_asking_Jira()
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        Backend.Jira.MissingIssues[Harness.FakeJira.IssueId(issue)] = true;
        using var missing = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User);
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));

        var before = Backend.Jira.CallCount;
        foreach (var key in new[] { "ops-1", "OPS-1%26permissions%3DADMINISTER", "OPS", "A-1-2" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(key), tenant, accountId: AdminWriteTests.User);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), key);
            Assert.That((await ProblemAsync(response))["errors"]!["key"], Is.Not.Null);
        }

        Assert.That(Backend.Jira.CallCount, Is.EqualTo(before), "a key that is not an issue key is never sent to Jira");
    }

    [Test]
    public async Task A_manual_run_needs_a_user_who_may_edit_the_issue_and_a_refusal_queues_nothing()
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        var ruleId = await ManualRuleAsync(tenant);
        ViewerMayBrowseOnly();

        using var viewer = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = issue }, accountId: Viewer);
        using var outsider = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = issue }, accountId: Outsider);
        using var unknownRule = await Backend.SendAsync(HttpMethod.Post, "/api/rules/rule_doesnotexist00/run", tenant, new { issueKey = issue }, accountId: Outsider);
        foreach (var response in new[] { viewer, outsider, unknownRule })
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "refused before anything else, even whether the rule exists");
            Assert.That((await ProblemAsync(response))["requiredPermission"]!.GetValue<string>(), Is.EqualTo("EDIT_ISSUES"));
        }

        using var browse = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: Viewer);
        Assert.That(browse.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the viewer may still see the issue's runs");
        Assert.That(Backend.Jira.Calls.Select(c => c.Query), Has.Some.EqualTo($"?issueKey={issue}&permissions=BROWSE_PROJECTS,EDIT_ISSUES"));

        await Task.Delay(300);
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), Is.Empty, "no run was queued");
        Assert.That(ThirdParty.Received.Where(r => r.Path.Contains(issue, StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase(503)]
    [TestCase(500)]
    [TestCase(429)]
    public async Task When_Jira_fails_issue_checks_refuse_with_503_and_are_not_cached(int status)
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        var ruleId = await ManualRuleAsync(tenant);
        Backend.Jira.Respond = call => call.Query.Contains("?issue", StringComparison.Ordinal) ? (status, "{}") : null;
        using var runs = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User);
        using var run = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = issue }, accountId: AdminWriteTests.User);
        Assert.That(runs.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(run.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await ProblemAsync(run))["detail"]!.GetValue<string>(), Does.Contain("try again"));

        Backend.Jira.Respond = null;
        using var later = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User);
        Assert.That(later.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the failure was not cached");
    }

    [Test]
    public async Task A_user_token_Jira_refuses_or_a_missing_user_token_is_403()
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        Backend.Jira.Respond = _ => (401, """{"errorMessages":["expired"]}""");
        using var rejected = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User);
        Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ProblemAsync(rejected))["detail"]!.GetValue<string>(), Does.Contain("Jira did not accept the user token"));

        Backend.Jira.Respond = null;
        var before = Backend.Jira.CallCount;
        using var noToken = await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User, withUserToken: false);
        using var noTokenRun = await Backend.SendAsync(HttpMethod.Post, "/api/rules/rule_x/run", tenant, new { issueKey = issue }, accountId: AdminWriteTests.User, withUserToken: false);
        Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(noTokenRun.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ProblemAsync(noToken))["detail"]!.GetValue<string>(), Does.Contain("no user token"));
        Assert.That(Backend.Jira.CallCount, Is.EqualTo(before));
    }

    [Test]
    public async Task A_slow_Jira_is_a_503_within_the_configured_timeout()
    {
        await using var backend = await BackendHost.StartAsync(Issuer, new Dictionary<string, string?> { ["Jira:TimeoutSeconds"] = "1" });
        backend.Jira.Delay = TimeSpan.FromSeconds(20);
        using var response = await backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(NewIssue()), Samples.NewTenant(), accountId: AdminWriteTests.User);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(backend.Logs.AllText, Does.Contain("Jira permission check failed: TaskCanceledException").Or.Contain("Jira permission check failed: TimeoutException"));
    }

    [Test]
    public async Task Answers_are_cached_per_user_token_not_per_account()
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        var before = Backend.Jira.CallCount;
        using (await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User)) { }
        using (await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: AdminWriteTests.User)) { }
        Assert.That(Backend.Jira.CallCount - before, Is.EqualTo(1), "the same user token within the window: cached");

        // The same account presenting a token Jira knows as someone else's is asked again — and refused.
        var token = Issuer.Mint(TestIssuer.For(tenant, AdminWriteTests.User), now: DateTimeOffset.UtcNow);
        using var foreign = await Backend.SendWithTokenAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), token, userToken: Backend.Jira.IssueUserToken(Outsider));
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Backend.Jira.CallCount - before, Is.EqualTo(2));

        using (await Backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(NewIssue()), tenant, accountId: AdminWriteTests.User)) { }
        Assert.That(Backend.Jira.CallCount - before, Is.EqualTo(3), "another issue is another question");
    }

    [Test]
    public async Task The_admin_answer_is_keyed_by_the_user_token_as_well_as_the_account()
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant); // the admin's answer is now cached for the admin's token
        var token = Issuer.Mint(TestIssuer.For(tenant, "557058:admin"), now: DateTimeOffset.UtcNow);
        using var withForeignUserToken = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/connections", token, userToken: Backend.Jira.IssueUserToken(AdminWriteTests.User));
        Assert.That(withForeignUserToken.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a cached 'admin' for the account is not reused for another token");
    }

    [Test]
    public async Task The_issue_panel_lists_only_enabled_manual_rules_by_id_and_name_to_users_who_may_browse()
    {
        var tenant = Samples.NewTenant();
        var issue = NewIssue();
        var manual = await ManualRuleAsync(tenant);
        var disabledRule = Samples.Rule(await CreateConnectionAsync(tenant), "Off");
        disabledRule["trigger"] = new JsonObject { ["type"] = "manual" };
        disabledRule.Remove("conditions");
        disabledRule["enabled"] = false;
        await CreateRuleAsync(tenant, disabledRule);
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant), "Event rule"));

        var list = await Backend.JsonAsync(HttpMethod.Get, $"/api/issues/{issue}/manual-rules", tenant);
        var item = list["items"]!.AsArray().Single()!.AsObject();
        Assert.That(item.Select(p => p.Key), Is.EquivalentTo(new[] { "id", "name", "enabled", "triggerType" }));
        Assert.That(item["id"]!.GetValue<string>(), Is.EqualTo(manual));

        using var outsider = await Backend.SendAsync(HttpMethod.Get, $"/api/issues/{issue}/manual-rules", tenant, accountId: Outsider);
        Assert.That(outsider.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }
}
