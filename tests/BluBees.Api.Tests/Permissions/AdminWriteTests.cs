using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// Only Jira administrators change configuration: every write under /api asks Jira (with the caller's own user
/// token) and refuses anyone else with a 403 ProblemDetails; configuration reads and dry runs too (IssuePermissionTests
/// covers the issue panel).
/// </summary>
public sealed class AdminWriteTests : BackendFixture
{
    internal const string User = "557058:user";

    [TearDown]
    public void ResetJira() => Backend.Jira.Respond = null;

    [Test]
    public async Task An_admin_may_write_and_Jira_is_asked_with_the_user_token()
    {
        var tenant = Samples.NewTenant();
        var before = Backend.Jira.CallCount;
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "t0ken"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var call = Backend.Jira.Calls.Skip(before).Single();
        Assert.Multiple(() =>
        {
            Assert.That(call.Path, Is.EqualTo("/rest/api/3/mypermissions"));
            Assert.That(call.Query, Is.EqualTo("?permissions=ADMINISTER"));
            Assert.That(call.CarriedUserToken, Is.True, "Authorization: Bearer <the x-forge-oauth-user token>");
            Assert.That(call.AccountId, Is.EqualTo("557058:admin"));
        });
    }

    [Test]
    public async Task A_non_admin_is_refused_on_every_write_family_and_nothing_changes()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        var ruleId = (await CreateRuleAsync(tenant, Samples.Rule(connectionId)))["id"]!.GetValue<string>();
        var hookId = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "Orders" }, 201))["id"]!.GetValue<string>();
        var writes = new (HttpMethod Method, string Path, object? Body, string Subject)[]
        {
            (HttpMethod.Post, "/api/connections", Samples.Connection(ThirdParty.Address, "x"), "connections"),
            (HttpMethod.Put, $"/api/connections/{connectionId}", Samples.Connection(ThirdParty.Address, "x"), "connections"),
            (HttpMethod.Delete, $"/api/connections/{connectionId}", null, "connections"),
            (HttpMethod.Post, "/api/rules", Samples.Rule(connectionId), "rules"),
            (HttpMethod.Put, $"/api/rules/{ruleId}", Samples.Rule(connectionId, "Renamed"), "rules"),
            (HttpMethod.Delete, $"/api/rules/{ruleId}", null, "rules"),
            (HttpMethod.Post, $"/api/rules/{ruleId}/disable", null, "rules"),
            (HttpMethod.Post, $"/api/rules/{ruleId}/enable", null, "rules"),
            (HttpMethod.Post, $"/api/rules/{ruleId}/versions/1/restore", null, "rules"),
            (HttpMethod.Post, "/api/webhooks", new { name = "More" }, "webhooks"),
            (HttpMethod.Post, $"/api/webhooks/{hookId}/rotate-secret", null, "webhooks"),
            (HttpMethod.Delete, $"/api/webhooks/{hookId}", null, "webhooks"),
        };

        foreach (var (method, path, body, subject) in writes)
        {
            using var response = await Backend.SendAsync(method, path, tenant, body, accountId: User);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{method} {path}");
            var problem = await ProblemAsync(response);
            Assert.That(problem["detail"]!.GetValue<string>(), Does.StartWith($"Only Jira administrators can change {subject}."), $"{method} {path}");
            Assert.That(problem["requiredPermission"]!.GetValue<string>(), Is.EqualTo("ADMINISTER"));
        }

        var rule = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}", tenant);
        var connections = await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant);
        var hooks = await Backend.JsonAsync(HttpMethod.Get, "/api/webhooks", tenant);
        Assert.Multiple(() =>
        {
            Assert.That(rule["version"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(rule["enabled"]!.GetValue<bool>(), Is.True);
            Assert.That(connections["items"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(hooks["items"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(hooks["items"]![0]!["secretRotatedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(hooks["items"]![0]!["createdAt"]!.GetValue<DateTimeOffset>()));
        });
    }

    [Test]
    public async Task A_non_admin_may_not_read_configuration_or_dry_run_but_may_use_the_issue_panel()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        var ruleId = (await CreateRuleAsync(tenant, Samples.Rule(connectionId)))["id"]!.GetValue<string>();
        foreach (var (path, subject) in new[]
        {
            ("/api/connections", "connections"), ($"/api/connections/{connectionId}", "connections"), ("/api/rules", "rules"),
            ($"/api/rules/{ruleId}", "rules"), ($"/api/rules/{ruleId}/versions", "rules"), ($"/api/rules/{ruleId}/versions/1", "rules"),
            ("/api/runs", "the run log"), ("/api/webhooks", "webhooks"), ("/api/support/grants", "support access grants"),
        })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path, tenant, accountId: User);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), path);
            Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.StartWith($"Only Jira administrators can see {subject}."), path);
        }

        var sample = Samples.Event("OPS-5", "Dry");
        using var saved = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/dry-run", tenant, new JsonObject { ["event"] = sample.DeepClone() }, accountId: User);
        using var unsaved = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["event"] = sample.DeepClone(), ["rule"] = Samples.Rule(connectionId) }, accountId: User);
        foreach (var path in new[] { "/api/issues/OPS-1/runs?issueId=11", "/api/issues/OPS-1/manual-rules", "/api/me" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path, tenant, accountId: User);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        }

        Assert.Multiple(() =>
        {
            Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a dry run shows the rule's requests: configuration");
            Assert.That(unsaved.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        });
    }

    [Test]
    public async Task The_answer_is_cached_per_tenant_and_account()
    {
        var tenant = Samples.NewTenant();
        var start = Backend.Jira.CallCount;
        await CreateConnectionAsync(tenant);
        await CreateConnectionAsync(tenant);
        Assert.That(Backend.Jira.CallCount - start, Is.EqualTo(1), "the second write within the window uses the cached answer");

        using var refused1 = await Backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "x" }, accountId: User);
        using var refused2 = await Backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "x" }, accountId: User);
        Assert.That(refused2.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Backend.Jira.CallCount - start, Is.EqualTo(2), "a 'no' is cached too, separately per account");

        await CreateConnectionAsync(Samples.NewTenant());
        Assert.That(Backend.Jira.CallCount - start, Is.EqualTo(3), "the same account id in another tenant is asked again");
    }

    [Test]
    public async Task A_missing_user_token_is_403_even_for_a_cached_admin()
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        var before = Backend.Jira.CallCount;
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "x"), withUserToken: false);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("no user token (x-forge-oauth-user)"));
        Assert.That(Backend.Jira.CallCount, Is.EqualTo(before));
    }

    [Test]
    public async Task A_token_without_a_user_is_403()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", Samples.NewTenant(), Samples.Connection(ThirdParty.Address, "x"), accountId: null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("not made by a signed-in Jira user"));
    }

    [Test]
    public async Task A_user_token_Jira_refuses_is_403()
    {
        Backend.Jira.Respond = _ => (401, """{"errorMessages":["expired"]}""");
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", Samples.NewTenant(), Samples.Connection(ThirdParty.Address, "x"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("Jira did not accept the user token"));
    }

    [TestCase(500)]
    [TestCase(503)]
    [TestCase(429)]
    public async Task When_Jira_fails_the_write_is_refused_with_503_and_the_failure_is_not_cached(int jiraStatus)
    {
        var tenant = Samples.NewTenant();
        Backend.Jira.Respond = _ => (jiraStatus, "{}");
        using var refused = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "x"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await ProblemAsync(refused))["detail"]!.GetValue<string>(), Does.StartWith("Only Jira administrators can change connections.").And.Contain("nothing was changed"));
        using var read = await Backend.SendAsync(HttpMethod.Get, "/api/connections", tenant);
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "reads are refused too while Jira cannot answer");
        Assert.That((await ProblemAsync(read))["detail"]!.GetValue<string>(), Does.StartWith("Only Jira administrators can see connections.").And.Contain("nothing was shown"));

        Backend.Jira.Respond = null;
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Is.Empty);
        using var accepted = await Backend.SendAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "x"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task An_unreadable_Jira_answer_is_not_taken_as_admin()
    {
        Backend.Jira.Respond = _ => (200, "not json");
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", Samples.NewTenant(), Samples.Connection(ThirdParty.Address, "x"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));

        Backend.Jira.Respond = _ => (200, """{"permissions":{}}""");
        using var empty = await Backend.SendAsync(HttpMethod.Post, "/api/connections", Samples.NewTenant(), Samples.Connection(ThirdParty.Address, "x"));
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Me_says_who_is_calling_and_whether_they_are_admin()
    {
        var tenant = Samples.NewTenant();
        var admin = await Backend.JsonAsync(HttpMethod.Get, "/api/me", tenant);
        using var userResponse = await Backend.SendAsync(HttpMethod.Get, "/api/me", tenant, accountId: User);
        var user = JsonNode.Parse(await userResponse.Content.ReadAsStringAsync())!;
        Assert.Multiple(() =>
        {
            Assert.That(admin["accountId"]!.GetValue<string>(), Is.EqualTo("557058:admin"));
            Assert.That(admin["isAdmin"]!.GetValue<bool>(), Is.True);
            Assert.That(user["accountId"]!.GetValue<string>(), Is.EqualTo(User));
            Assert.That(user["isAdmin"]!.GetValue<bool>(), Is.False);
        });
    }

    [Test]
    public async Task The_user_token_never_reaches_logs_or_storage()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connectionId));
        using var refused = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connectionId}", tenant, accountId: User);
        Backend.Jira.Respond = _ => (500, "{}");
        using var failed = await Backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "x" });

        var logs = Backend.Logs.AllText;
        var store = string.Join('\n', await Backend.DumpStoreAsync());
        Assert.That(Backend.Jira.IssuedTokens, Is.Not.Empty);
        Assert.That(logs, Does.Contain("Jira permission check"), "the check itself is logged (as metadata)");
        foreach (var token in Backend.Jira.IssuedTokens)
        {
            Assert.That(logs, Does.Not.Contain(token));
            Assert.That(store, Does.Not.Contain(token));
        }
    }
}
