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
