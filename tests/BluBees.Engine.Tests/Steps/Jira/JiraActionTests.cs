using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>Each Jira action against a loopback Jira: what is sent, with which token and trace, and what comes back.</summary>
[TestFixture]
public sealed class JiraActionTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [Test]
    public async Task Comment_posts_a_document_built_from_the_text_template_to_the_events_issue()
    {
        var outcome = await _kit.RunAsync("""{"id":"note","type":"jira.comment","body":"Triaged: {{ issue.fields.summary }}\nsecond line\n\nNext paragraph"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = _kit.Site.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(seen.Method, Is.EqualTo("POST"));
            Assert.That(seen.Path, Is.EqualTo("/jira/rest/api/3/issue/PRJ-12/comment"));
            Assert.That(seen.Authorization, Is.EqualTo("Bearer " + FakeJiraSite.Token));
            Assert.That(seen.Trace, Is.EqualTo("blubees.rule_1.abc"));
            Assert.That(seen.ContentType, Does.StartWith("application/json"));
        });
        var paragraphs = seen.Body!["body"]!["content"]!.AsArray();
        Assert.That(paragraphs, Has.Count.EqualTo(2));
        Assert.That(paragraphs[0]!["content"]!.ToJsonString(), Is.EqualTo("""[{"type":"text","text":"Triaged: Login fails on Safari"},{"type":"hardBreak"},{"type":"text","text":"second line"}]"""));
        Assert.That(paragraphs[1]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("Next paragraph"));
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Type, Is.EqualTo("jira.comment"));
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(201));
            Assert.That(outcome.Record.Attempts, Is.EqualTo(1));
            Assert.That(outcome.Record.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(outcome.Record.BytesOut, Is.GreaterThan(0));
            Assert.That(outcome.Record.Metrics!.RateLimited, Is.False);
            Assert.That(outcome.Output!["body"]!["id"]!.GetValue<string>(), Is.EqualTo("100200"));
        });
    }

    [Test]
    public async Task Comment_accepts_an_ADF_template_and_an_issue_template()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"note","type":"jira.comment","issue":"OPS-{{ issue.fields.num }}",
             "body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"{{ issue.key }}","marks":[{"type":"strong"}]}]}]}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = _kit.Site.Requests.Single();
        Assert.That(seen.Path, Is.EqualTo("/jira/rest/api/3/issue/OPS-42/comment"));
        Assert.That(seen.Body!["body"]!["content"]![0]!["content"]![0]!["text"]!.GetValue<string>(), Is.EqualTo("PRJ-12"));
        Assert.That(seen.Body!["body"]!["content"]![0]!["content"]![0]!["marks"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("strong"));
    }

    [Test]
    public async Task Edit_sends_each_field_in_Jiras_shape()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"triage","type":"jira.edit","fields":{
              "summary":"[{{ issue.fields.priority.name }}] {{ issue.fields.summary }}",
              "description":"Line one\n\nLine two",
              "labels":"triaged, {{ issue.fields.issuetype.name | downcase }}",
              "priority":"Highest",
              "assignee":"5b10ac8d82e05b22cc7d4ef5",
              "customfield_10016":"{{ issue.fields.storyPoints }}"}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = _kit.Site.Requests.Single();
        Assert.That(seen.Method, Is.EqualTo("PUT"));
        Assert.That(seen.Path, Is.EqualTo("/jira/rest/api/3/issue/PRJ-12"));
        var fields = seen.Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["summary"]!.GetValue<string>(), Is.EqualTo("[High] Login fails on Safari"));
            Assert.That(fields["description"]!["type"]!.GetValue<string>(), Is.EqualTo("doc"));
            Assert.That(fields["description"]!["content"]!.AsArray(), Has.Count.EqualTo(2));
            Assert.That(fields["labels"]!.ToJsonString(), Is.EqualTo("""["triaged","bug"]"""));
            Assert.That(fields["priority"]!.ToJsonString(), Is.EqualTo("""{"name":"Highest"}"""));
            Assert.That(fields["assignee"]!.ToJsonString(), Is.EqualTo("""{"accountId":"5b10ac8d82e05b22cc7d4ef5"}"""));
            Assert.That(fields["customfield_10016"]!.GetValue<int>(), Is.EqualTo(5), "a single-expression template keeps the number type");
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(204));
            Assert.That(outcome.Record.Method, Is.EqualTo("PUT"));
        });
    }

    [Test]
    public async Task Edit_with_null_assignee_unassigns_and_a_label_list_stays_a_list()
    {
        var outcome = await _kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"assignee":null,"labels":["a","{{ issue.key }}"]}}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single().Body!["fields"]!;
        Assert.That(fields["assignee"]!.ToJsonString(), Is.EqualTo("""{"accountId":null}"""));
        Assert.That(fields["labels"]!.ToJsonString(), Is.EqualTo("""["a","PRJ-12"]"""));
    }

    [Test]
    public async Task Transition_by_name_looks_the_id_up_then_transitions()
    {
        var outcome = await _kit.RunAsync("""{"id":"t","type":"jira.transition","transition":"{{ 'done' }}"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = _kit.Site.Requests;
        Assert.That(seen.Select(r => $"{r.Method} {r.Path}"), Is.EqualTo(new[]
        {
            "GET /jira/rest/api/3/issue/PRJ-12/transitions",
            "POST /jira/rest/api/3/issue/PRJ-12/transitions",
        }));
        Assert.That(seen[1].Body!.ToJsonString(), Is.EqualTo("""{"transition":{"id":"31"}}"""));
        Assert.That(seen.All(r => r.Trace == "blubees.rule_1.abc" && r.Authorization == "Bearer " + FakeJiraSite.Token), Is.True);
        Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task Transition_by_id_posts_directly()
    {
        var outcome = await _kit.RunAsync("""{"id":"t","type":"jira.transition","transitionId":"21"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var seen = _kit.Site.Requests.Single();
        Assert.That($"{seen.Method} {seen.Path}", Is.EqualTo("POST /jira/rest/api/3/issue/PRJ-12/transitions"));
        Assert.That(seen.Body!.ToJsonString(), Is.EqualTo("""{"transition":{"id":"21"}}"""));
    }

    [Test]
    public async Task Unknown_transition_name_fails_clearly_without_posting()
    {
        var outcome = await _kit.RunAsync("""{"id":"t","type":"jira.transition","transition":"Shipped"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TransitionNotFound));
        Assert.That(_kit.Site.Requests.Select(r => r.Method), Is.EqualTo(new[] { "GET" }));
    }

    [Test]
    public async Task Fetch_returns_the_issue_for_later_steps()
    {
        var outcome = await _kit.RunAsync("""{"id":"issue","type":"jira.fetch","issue":"OPS-7"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(_kit.Site.Requests.Single().Path, Is.EqualTo("/jira/rest/api/3/issue/OPS-7"));
        Assert.That(outcome.Output!["issue"]!["fields"]!["summary"]!.GetValue<string>(), Is.EqualTo("Fetched OPS-7"));
        Assert.That(outcome.Output!["status"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(outcome.Record.BytesIn, Is.GreaterThan(0));
    }

    [Test]
    public async Task Missing_system_token_fails_with_a_clear_category_and_sends_nothing()
    {
        var outcome = await _kit.RunAsync("""{"id":"note","type":"jira.comment","body":"hi"}""", token: null);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.SystemTokenMissing));
        Assert.That(outcome.Record.Attempts, Is.Zero);
        Assert.That(_kit.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task A_scheduled_run_without_an_issue_fails_as_issue_missing()
    {
        var scope = TestJson.Object("""{"event":{"type":"blubees:schedule"},"steps":{}}""");

        var outcome = await _kit.RunAsync("""{"id":"f","type":"jira.fetch"}""", scope: scope);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.IssueMissing));
        Assert.That(_kit.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task An_issue_template_cannot_walk_out_of_the_issue_path()
    {
        var scope = SampleEvents.Scope();
        scope["issue"]!["key"] = "../../../rest/api/3/user";

        var outcome = await _kit.RunAsync("""{"id":"f","type":"jira.fetch","issue":"{{ issue.key }}"}""", scope: scope);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.IssueMissing));
        Assert.That(_kit.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task Jira_errors_are_categorised_and_keep_the_status()
    {
        _kit.Site.AcceptedToken = "another-token";

        var outcome = await _kit.RunAsync("""{"id":"f","type":"jira.fetch"}""");

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(401));
        Assert.That(outcome.Output!["ok"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task Without_the_override_only_an_https_Atlassian_apiBaseUrl_is_used()
    {
        await using var kit = new JiraKit(new JiraActionOptions { ApiBaseUrlOverride = "" });
        var step = JiraKit.Compile("""{"id":"f","type":"jira.fetch"}""");
        var forged = new Engine.Tenancy.TenantContext("t", "c", "https://evil.example.com/ex/jira/c");

        var outcome = await kit.Actions.ExecuteAsync(new Engine.Execution.StepRun(forged, FakeJiraSite.Token, SampleEvents.Scope()), step, CancellationToken.None);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.InvalidUrl));
        Assert.That(kit.Site.Requests, Is.Empty);
        Assert.That(JiraSite.IsAtlassianHost("api.atlassian.com"), Is.True);
        Assert.That(JiraSite.IsAtlassianHost("evilatlassian.com"), Is.False);
    }

    [Test]
    public async Task The_egress_guard_still_decides_where_calls_go()
    {
        await using var kit = new JiraKit();
        using var blocking = new Egress.EgressTestKit(Egress.EgressTestKit.BlockingOptions());
        var options = Microsoft.Extensions.Options.Options.Create(kit.Options);
        var actions = new JiraActions(
            new JiraSite(new JiraEgressHandler(blocking.Client), options), kit.Time, Engine.Templates.TemplateLimits.Default, options,
            Microsoft.Extensions.Options.Options.Create(new RunOptions()), kit.InstallGrace, new ListLogger<JiraActions>(kit.Logs));

        var outcome = await actions.ExecuteAsync(new Engine.Execution.StepRun(JiraKit.Tenant, FakeJiraSite.Token, SampleEvents.Scope()), JiraKit.Compile("""{"id":"f","type":"jira.fetch"}"""), CancellationToken.None);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.BlockedDestination), "loopback is a private address unless the operator allows it");
        Assert.That(kit.Site.Requests, Is.Empty);
    }

    [Test]
    public void Preview_masks_the_token_and_sends_nothing()
    {
        var preview = _kit.Preview.Preview(JiraKit.Compile("""{"id":"t","type":"jira.transition","transition":"Done"}"""), SampleEvents.Scope(), "steps[0]");

        Assert.That(preview.Error, Is.Null);
        Assert.That(preview.Request!.Headers["Authorization"], Is.EqualTo("Bearer ••••••"));
        Assert.That(preview.Request.Url, Is.EqualTo(_kit.Site.BaseUrl.ToString().TrimEnd('/') + "/rest/api/3/issue/PRJ-12/transitions"));
        Assert.That(preview.Request.Body!["transition"]!["id"]!.GetValue<string>(), Does.Contain("Done"));
        Assert.That(preview.Output!["dryRun"]!.GetValue<bool>(), Is.True);
        Assert.That(_kit.Site.Requests, Is.Empty);
    }

    [Test]
    public void Preview_without_override_shows_the_site_placeholder()
    {
        var preview = new JiraPreview(Engine.Templates.TemplateLimits.Default, Microsoft.Extensions.Options.Options.Create(new JiraActionOptions()))
            .Preview(JiraKit.Compile("""{"id":"c","type":"jira.comment","body":"x"}"""), SampleEvents.Scope(), "steps[0]");

        Assert.That(preview.Request!.Url, Is.EqualTo("{apiBaseUrl}/rest/api/3/issue/PRJ-12/comment"));
        Assert.That(preview.Request.Method, Is.EqualTo("POST"));
        Assert.That(preview.Request.Body!["body"]!["type"]!.GetValue<string>(), Is.EqualTo("doc"));
    }

    [Test]
    public void Trace_names_the_rule_that_wrote()
    {
        var trace = JiraTrace.New("rule_abc");

        Assert.That(JiraTrace.RuleOf(trace), Is.EqualTo("rule_abc"));
        Assert.That(JiraTrace.RuleOf("someone-else"), Is.Null);
        Assert.That(JiraTrace.RuleOf(null), Is.Null);
        Assert.That(JiraTrace.New("rule_abc"), Is.Not.EqualTo(trace), "one per run");
    }

}
