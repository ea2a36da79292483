using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Commands;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees jira</c>: a development Jira that answers the jira.* steps' calls in Jira's documented shapes, so the
/// steps can be tried locally end to end with <c>blubees event send</c>.
/// </summary>
public sealed class DevJiraTests
{
    private const string Token = "test-system-token";

    private static HttpRequestMessage Call(HttpMethod method, DevJira jira, string path, string? json = null, string? token = Token)
    {
        var request = new HttpRequestMessage(method, new Uri(jira.Address, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    [Test]
    public async Task It_keeps_issues_and_applies_edits_comments_and_transitions()
    {
        using var output = new StringWriter();
        await using var jira = await DevJira.StartAsync(0, Token, output);
        using var http = new HttpClient();

        using (var edit = await http.SendAsync(Call(HttpMethod.Put, jira, "/rest/api/3/issue/OPS-7", """{"fields":{"summary":"New title"},"update":{"labels":[{"add":"triaged"},{"remove":"customer-facing"}]}}""")))
        {
            Assert.That(edit.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var comment = await http.SendAsync(Call(HttpMethod.Post, jira, "/rest/api/3/issue/OPS-7/comment", """{"body":{"type":"doc","version":1,"content":[]}}""")))
        {
            Assert.That(comment.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(JsonNode.Parse(await comment.Content.ReadAsStringAsync())!["id"]!.GetValue<string>(), Is.Not.Empty);
        }

        using var transitions = await http.SendAsync(Call(HttpMethod.Get, jira, "/rest/api/3/issue/OPS-7/transitions"));
        var done = JsonNode.Parse(await transitions.Content.ReadAsStringAsync())!["transitions"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "Done")!;
        using (var move = await http.SendAsync(Call(HttpMethod.Post, jira, "/rest/api/3/issue/OPS-7/transitions", $$$"""{"transition":{"id":"{{{done["id"]}}}"}}""")))
        {
            Assert.That(move.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using var get = await http.SendAsync(Call(HttpMethod.Get, jira, "/rest/api/3/issue/ops-7"));
        var fields = JsonNode.Parse(await get.Content.ReadAsStringAsync())!["fields"]!;
        Assert.That(fields["summary"]!.GetValue<string>(), Is.EqualTo("New title"));
        Assert.That(fields["labels"]!.AsArray().Select(l => l!.GetValue<string>()), Is.EqualTo(new[] { "triaged" }));
        Assert.That(fields["status"]!["name"]!.GetValue<string>(), Is.EqualTo("Done"));
        Assert.That(fields["comment"]!["total"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(output.ToString(), Does.Contain("PUT /rest/api/3/issue/OPS-7 → 204 (system token ok)"));
        Assert.That(output.ToString(), Does.Not.Contain("New title"), "bodies are never printed");
    }

    [Test]
    public async Task It_creates_in_a_project_given_by_id_and_answers_the_search_with_isLast()
    {
        // The steps send a project (and issues) of digits only as {"id"}; the enhanced search answers isLast
        // (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post).
        using var output = new StringWriter();
        await using var jira = await DevJira.StartAsync(0, Token, output);
        using var http = new HttpClient();
        using (var held = await http.SendAsync(Call(HttpMethod.Get, jira, "/rest/api/3/issue/OPS-7")))
        {
            Assert.That(held.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var create = await http.SendAsync(Call(HttpMethod.Post, jira, "/rest/api/3/issue", """{"fields":{"project":{"id":"10000"},"issuetype":{"name":"Task"},"summary":"x"}}"""));
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.Created), await create.Content.ReadAsStringAsync());
        Assert.That(JsonNode.Parse(await create.Content.ReadAsStringAsync())!["key"]!.GetValue<string>(), Does.StartWith("OPS-"));

        using var unknown = await http.SendAsync(Call(HttpMethod.Post, jira, "/rest/api/3/issue", """{"fields":{"project":{"id":"99999"},"issuetype":{"name":"Task"},"summary":"x"}}"""));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["errors"]!["project"], Is.Not.Null);

        using var search = await http.SendAsync(Call(HttpMethod.Post, jira, "/rest/api/3/search/jql", """{"jql":"project = OPS","maxResults":50}"""));
        Assert.That(JsonNode.Parse(await search.Content.ReadAsStringAsync())!["isLast"]?.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task It_refuses_a_missing_or_wrong_token_and_unknown_calls_clearly()
    {
        await using var jira = await DevJira.StartAsync(0, Token, TextWriter.Null);
        using var http = new HttpClient();
        using var none = await http.SendAsync(Call(HttpMethod.Get, jira, "/rest/api/3/issue/OPS-1", token: null));
        using var wrong = await http.SendAsync(Call(HttpMethod.Get, jira, "/rest/api/3/issue/OPS-1", token: "other"));
        using var unknown = await http.SendAsync(Call(HttpMethod.Get, jira, "/rest/api/3/project/search"));
        using var badTransition = await http.SendAsync(Call(HttpMethod.Post, jira, "/rest/api/3/issue/OPS-1/transitions", """{"transition":{"id":"999"}}"""));
        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(badTransition.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await badTransition.Content.ReadAsStringAsync(), Does.Contain("errorMessages"));
    }

    [Test]
    public async Task The_cli_event_reaches_the_dev_jira_through_the_rules_jira_steps()
    {
        using var jiraLog = new StringWriter();
        await using var jira = await DevJira.StartAsync(0, DevJira.DefaultSystemToken, TextWriter.Synchronized(jiraLog));
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["DevIssuer:Enabled"] = "true",
            ["Forge:AppId"] = BackendClient.DevAppId,
            ["Jira:ApiBaseUrlOverride"] = jira.Address.ToString(),
        });
        CliArgs Args(params string[] args) => new([.. args, "--url", backend.Address.ToString(), "--data-dir", backend.DataDirectory]);
        var ruleFile = Path.Combine(backend.DataDirectory, "jira-rule.json");
        await File.WriteAllTextAsync(ruleFile, """
            {
              "name": "Comment and label on Done",
              "trigger": { "type": "event", "events": ["avi:jira:updated:issue"] },
              "steps": [
                { "id": "note", "type": "jira.comment", "body": "Closed: {{ issue.fields.summary }}" },
                { "id": "label", "type": "jira.edit", "fields": { "labels": "done-by-blubees" } }
              ]
            }
            """);

        Assert.That(await ConfigCommands.CreateRuleAsync(Args("rule", "create", ruleFile)), Is.Zero);
        Assert.That(await EventCommands.SendAsync(Args("event", "send", "updated", "--issue", "OPS-99")), Is.Zero, string.Join("\n", backend.Logs.Lines));

        var issue = await Waits.UntilAsync(
            () => Task.FromResult(jira.Issue("OPS-99")),
            i => i?["fields"]?["labels"] is JsonArray labels && labels.Any(l => l!.GetValue<string>() == "done-by-blubees"),
            TimeSpan.FromSeconds(30));
        Assert.That(issue, Is.Not.Null, "the edit step reached the development Jira");
        Assert.That(issue!["fields"]!["labels"]!.AsArray().Select(l => l!.GetValue<string>()), Does.Contain("done-by-blubees"));
        Assert.That(issue["fields"]!["comment"]!["total"]!.GetValue<int>(), Is.EqualTo(1), "the comment step ran with the system token the CLI sent");
        Assert.That(jiraLog.ToString(), Does.Contain("POST /rest/api/3/issue/OPS-99/comment → 201 (system token ok"));
    }
}
