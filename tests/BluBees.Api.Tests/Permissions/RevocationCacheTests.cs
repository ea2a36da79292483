using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// Jira's answers are remembered for <c>Jira:PermissionCacheSeconds</c> (60 s, docs/api.md) and no longer: a user whom
/// Jira no longer lets browse or edit an issue, and an administrator Jira demoted, lose what the answer opened once it
/// expires — reads included (the issue's runs, the rule list) and <c>/api/me</c>'s <c>isAdmin</c> — on the injected
/// clock. (<see cref="AdminCacheExpiryTests"/> shows the same for an administrator's writes.)
/// </summary>
public sealed class RevocationCacheTests
{
    private const string User = "557058:soon-outsider";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, null, s => s.AddSingleton<TimeProvider>(_clock));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TearDown]
    public void ResetJira() => _backend.Jira.IssueGrant = FakeJira.DefaultIssueGrant;

    [Test]
    public async Task A_user_jira_no_longer_lets_browse_or_edit_the_issue_is_refused_once_the_answer_expires()
    {
        var tenant = Samples.NewTenant();
        var issue = "OPS-" + Random.Shared.Next(1000, 999_999);
        // A disabled manual rule: a manual run that passes the permission check answers 409 and queues nothing.
        var connection = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(new Uri("http://127.0.0.1:9/"), "t"), 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(connection);
        rule["trigger"] = new JsonObject { ["type"] = "manual" };
        rule["enabled"] = false;
        rule.Remove("conditions");
        var ruleId = (await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201))["id"]!.GetValue<string>();

        var allowed = true;
        _backend.Jira.IssueGrant = (account, key, permission) => account == User ? allowed && (key == issue || key == FakeJira.IssueId(issue)) : FakeJira.DefaultIssueGrant(account, key, permission);
        async Task<(HttpStatusCode Runs, HttpStatusCode Run)> AskAsync()
        {
            using var runs = await _backend.SendAsync(HttpMethod.Get, Harness.FakeJira.RunsPath(issue), tenant, accountId: User);
            using var run = await _backend.SendAsync(HttpMethod.Post, $"/api/rules/{ruleId}/run", tenant, new { issueKey = issue }, accountId: User);
            return (runs.StatusCode, run.StatusCode);
        }

        Assert.That(await AskAsync(), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.Conflict)), "allowed: the runs, and the manual run past its check (409: disabled)");
        allowed = false;
        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.That(await AskAsync(), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.Conflict)), "within the 60 s the answers are remembered");
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.That(await AskAsync(), Is.EqualTo((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)), "asked again once they expired: refused");
    }

    [Test]
    public async Task A_demoted_administrator_loses_reads_and_me_says_so_once_the_answer_expires()
    {
        var tenant = Samples.NewTenant();
        const string account = "557058:soon-demoted";
        _backend.Jira.Admins[account] = true;
        async Task<(bool IsAdmin, HttpStatusCode Rules)> AskAsync()
        {
            using var me = await _backend.SendAsync(HttpMethod.Get, "/api/me", tenant, accountId: account);
            using var rules = await _backend.SendAsync(HttpMethod.Get, "/api/rules", tenant, accountId: account);
            return (JsonNode.Parse(await me.Content.ReadAsStringAsync())!["isAdmin"]!.GetValue<bool>(), rules.StatusCode);
        }

        Assert.That(await AskAsync(), Is.EqualTo((true, HttpStatusCode.OK)));
        _backend.Jira.Admins.TryRemove(account, out _);
        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.That(await AskAsync(), Is.EqualTo((true, HttpStatusCode.OK)), "within the 60 s the answer is remembered");
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.That(await AskAsync(), Is.EqualTo((false, HttpStatusCode.Forbidden)));
    }
}
