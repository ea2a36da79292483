using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Steps.Jira;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// A step that fails while its request is built recorded only a category (<c>template_error</c>, <c>invalid_url</c>):
/// the admin could not tell which of ten headers or which body leaf broke. The record now names the step's property
/// (<c>failedField</c>) with the rule's own names — never the value, and a name that is not short and plain reads
/// <c>(property)</c>, as validation errors show it.
/// </summary>
public sealed class FailedFieldTests
{
    private const string Canary = "CANARY-failed-field-value";

    [TestCase("""{ "X-Ok": "1", "X-Trace": "{{ issue.fields.summary }}" }""", null, "headers.X-Trace", Description = "a rendered line break")]
    [TestCase(null, """{ "ticket": { "key": "{{ issue.key }}", "points": "{{ issue.fields.storyPoints | divided_by: 0 }}" } }""", "body.ticket.points")]
    [TestCase(null, """{ "items": ["a", "{{ 1 | divided_by: 0 }}"] }""", "body.items[1]")]
    [TestCase("""{ "X-Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": "{{ 1 | divided_by: 0 }}" }""", null, "headers.(property)", Description = "a name longer than 64 is not repeated")]
    public async Task A_failed_header_or_body_leaf_is_named_in_the_record(string? headers, string? body, string field)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server);
        var scope = StepKit.Scope();
        scope["issue"]!["fields"]!["summary"] = Canary + "\nline two";
        var step = StepKit.ValidAtRunTime($$$"""
            { "id": "call", "type": "http", "connection": "{{{connection.Id}}}", "method": "POST", "path": "/items"
              {{{(headers is null ? "" : ", \"headers\": " + headers)}}} {{{(body is null ? "" : ", \"body\": " + body)}}} }
            """);

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-field", scope), step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo(field));
        Assert.That(h.Evidence(outcome), Does.Not.Contain(Canary));
        Assert.That(server.Requests, Is.Empty);
    }

    [TestCase("/items/{{ issue.fields.summary }}", "path")]
    [TestCase("/items/{{ 1 | divided_by: 0 }}", "path")]
    public async Task A_failed_path_is_named(string path, string field)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server);
        var scope = StepKit.Scope();
        scope["issue"]!["fields"]!["summary"] = "..";

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-field", scope), PolicyHarness.Step(connection, path: path));

        Assert.That(outcome.Record.ErrorCategory, Is.AnyOf(ErrorCategories.InvalidUrl, ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo(field));
    }

    [Test]
    public async Task A_step_that_fails_after_sending_names_no_field()
    {
        await using var server = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 500, "{}", ct));
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server);

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-field"), PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(outcome.Record.FailedField, Is.Null);
    }

    [Test]
    public async Task A_jira_field_that_fails_to_render_is_named()
    {
        await using var kit = new JiraKit();

        var outcome = await kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"summary":"ok","priority":"{{ 1 | divided_by: 0 }}"}}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo("fields.priority"));
        Assert.That(kit.Site.Requests, Is.Empty);
    }

    [TestCase("\"system\": \"{{ 1 | divided_by: 0 }}\", \"prompt\": \"ok\"", "system")]
    [TestCase("\"prompt\": \"Triage {{ issue.key | divided_by: 0 }}\"", "prompt")]
    public async Task An_ai_prompt_that_fails_to_render_is_named(string prompts, string field)
    {
        using var kit = new Ai.AiKit();
        await using var server = Ai.ProviderServers.OpenAi("never");
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), "sk");
        var step = await kit.CompileAsync($$$"""{ "id": "t", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m", {{{prompts}}} }""");

        var outcome = await kit.Executor.ExecuteAsync(new StepRun(new BluBees.Engine.Tenancy.TenantContext(Ai.AiKit.Tenant.Value, null, null), null, Ai.AiKit.Scope()), step, CancellationToken.None);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo(field));
        Assert.That(server.Requests, Is.Empty);
    }

    /// <summary>
    /// Jira refuses a write with 400 and an ErrorCollection whose <c>errors</c> names the field ("The list of errors by
    /// parameter returned by the operation": https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
    /// The record names that field, not Jira's message (which can quote the value).
    /// </summary>
    [Test]
    public async Task A_field_jira_refuses_is_named_without_its_message()
    {
        await using var kit = new JiraKit();
        kit.Site.Refuse("""{"errorMessages":[],"errors":{"priority":"Specify the Priority (id or name) in the string format: CANARY-jira-value"}}""");

        var outcome = await kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"priority":"CANARY-jira-value"}}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(400));
        Assert.That(outcome.Record.FailedField, Is.EqualTo("fields.priority"));
        Assert.That(System.Text.Json.JsonSerializer.Serialize(outcome.Record), Does.Not.Contain("CANARY"));
    }

    /// <summary>
    /// Jira's <c>errors</c> keys are the third party's text: one that echoes the request's data (or anything else the
    /// step did not send as a name) is no field of the step, and the record names none. Before, any short plain key
    /// was kept as <c>failedField</c> (under <c>fields.</c> for an edit or a create), so the summary Jira echoed reached
    /// the run record, the runs API and what support reads.
    /// </summary>
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"summary":"{{ issue.fields.summary }}"}}""")]
    [TestCase("""{"id":"e","type":"jira.edit","update":{"labels":[{"add":"{{ issue.fields.summary }}"}]}}""")]
    [TestCase("""{"id":"e","type":"jira.create","project":"PRJ","issueType":"Task","fields":{"summary":"{{ issue.fields.summary }}"}}""")]
    [TestCase("""{"id":"e","type":"jira.comment","body":"{{ issue.fields.summary }}"}""")]
    [TestCase("""{"id":"e","type":"jira.assign","assignee":"{{ issue.fields.summary }}"}""")]
    [TestCase("""{"id":"e","type":"jira.link","linkType":"Blocks","outwardIssue":"PRJ-13"}""")]
    [TestCase("""{"id":"e","type":"jira.transition","transitionId":"31"}""")]
    [TestCase("""{"id":"e","type":"jira.transition","transition":"Done"}""")]
    [TestCase("""{"id":"e","type":"jira.fetch"}""")]
    [TestCase("""{"id":"e","type":"jira.search","jql":"summary ~ '{{ issue.fields.summary }}'"}""")]
    public async Task A_jira_refusal_keyed_by_an_echo_of_the_request_names_no_field(string step)
    {
        const string Echo = "CANARY-jira-echoed-key";
        await using var kit = new JiraKit();
        var scope = SampleEvents.Scope();
        scope["issue"]!["fields"]!["summary"] = Echo;
        kit.Site.Refuse("{\"errorMessages\":[],\"errors\":{\"" + Echo + "\":\"Field '" + Echo + "' cannot be set\"}}");

        var outcome = await kit.RunAsync(step, scope: scope);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(400));
        Assert.That(outcome.Record.FailedField, Is.Null);
        Assert.That(System.Text.Json.JsonSerializer.Serialize(outcome.Record), Does.Not.Contain(Echo));
    }

    /// <summary>A key the request did send is still named: a comment's <c>body</c>, an edit's field, a link's or a transition's parameter.</summary>
    [TestCase("""{"id":"e","type":"jira.comment","body":"x"}""", "body", "body")]
    [TestCase("""{"id":"e","type":"jira.edit","update":{"labels":[{"add":"x"}]}}""", "labels", "fields.labels")]
    [TestCase("""{"id":"e","type":"jira.link","linkType":"Blocks","outwardIssue":"PRJ-13"}""", "outwardIssue", "outwardIssue")]
    [TestCase("""{"id":"e","type":"jira.transition","transitionId":"31"}""", "transition", "transition")]
    public async Task A_jira_refusal_naming_a_parameter_the_step_sent_names_it(string step, string key, string field)
    {
        await using var kit = new JiraKit();
        kit.Site.Refuse("{\"errorMessages\":[],\"errors\":{\"" + key + "\":\"no\"}}");

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.FailedField, Is.EqualTo(field));
    }

    [TestCase("""{"errorMessages":["Issue does not exist"],"errors":{}}""")]
    [TestCase("not json")]
    public async Task A_jira_refusal_without_a_field_names_none(string body)
    {
        await using var kit = new JiraKit();
        kit.Site.Refuse(body);

        var outcome = await kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"summary":"x"}}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.FailedField, Is.Null);
    }

    private static Task<Connection> CreateAsync(PolicyHarness h, LoopbackServer server) =>
        h.CreateAsync(new TenantId("tenant-field"), new ConnectionInput
        {
            Name = "Tenant API",
            BaseUrl = server.Url("/api").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.Bearer },
            Secret = "failed-field-secret",
            Resilience = new ConnectionResilience { MaxRetries = 0 },
        });
}
