using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>jira.create, jira.assign, jira.link, jira.search and jira.edit's update, against the loopback Jira.</summary>
[TestFixture]
public sealed class JiraMoreActionTests
{
    private JiraKit _kit = null!;

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [Test]
    public async Task Create_makes_a_sub_task_with_fields_by_id_and_by_name_and_exposes_its_key()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"follow","type":"jira.create","issueType":"Sub-task","parent":"{{ issue.key }}",
             "fields":{"summary":"Follow up {{ issue.key }}","labels":"auto, follow-up","Story Points":"{{ 3 }}","priority":"High"}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var create = _kit.Site.Requests.Single(r => r.Method == "POST");
        var fields = create.Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(create.Path, Is.EqualTo("/jira/rest/api/3/issue"));
            Assert.That(fields["project"]!["key"]!.GetValue<string>(), Is.EqualTo("PRJ"), "the event's project by default");
            Assert.That(fields["issuetype"]!["name"]!.GetValue<string>(), Is.EqualTo("Sub-task"));
            Assert.That(fields["parent"]!["key"]!.GetValue<string>(), Is.EqualTo("PRJ-12"));
            Assert.That(fields["summary"]!.GetValue<string>(), Is.EqualTo("Follow up PRJ-12"));
            Assert.That(fields["labels"]!.ToJsonString(), Is.EqualTo("""["auto","follow-up"]"""));
            Assert.That(fields["priority"]!["name"]!.GetValue<string>(), Is.EqualTo("High"));
            Assert.That(fields["customfield_10016"]!.GetValue<int>(), Is.EqualTo(3), "'Story Points' resolved to its id, keeping the number");
            Assert.That(fields["Story Points"], Is.Null);
            Assert.That(outcome.Output!["key"]!.GetValue<string>(), Does.StartWith("PRJ-"));
            Assert.That(outcome.Output!["id"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(outcome.Record.Type, Is.EqualTo("jira.create"));
        });
        Assert.That(_kit.Site.Requests.Any(r => r.Method == "GET" && r.Path == "/jira/rest/api/3/field"), Is.True);
    }

    [TestCase("Nope", TestName = "Create_fails_field_not_found_for_an_unknown_field_name")]
    [TestCase("Team", TestName = "Create_fails_field_not_found_for_an_ambiguous_field_name")]
    public async Task Create_fails_clearly_when_a_field_name_does_not_resolve_to_one_field(string name)
    {
        var outcome = await _kit.RunAsync($$$"""{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x","{{{name}}}":"v"}}""");
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.FieldNotFound));
        Assert.That(_kit.Site.Requests.Any(r => r.Path == "/jira/rest/api/3/issue"), Is.False, "nothing created");
        Assert.That(string.Join('\n', _kit.Logs), Does.Not.Contain(name == "Nope" ? "Nope" : "\"Team\""), "field names are tenant data: not logged");
    }

    [Test]
    public async Task Assign_sets_unassigns_and_refuses_what_is_not_an_account_id()
    {
        var set = await _kit.RunAsync("""{"id":"a","type":"jira.assign","assignee":"{{ issue.fields.reporter.accountId | default: '557058:abc' }}"}""");
        var unset = await _kit.RunAsync("""{"id":"a","type":"jira.assign","assignee":""}""");
        var bad = await _kit.RunAsync("""{"id":"a","type":"jira.assign","assignee":"{{ issue.fields.summary }}"}""");

        var puts = _kit.Site.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.That(set.Record.Status, Is.EqualTo(RunStatus.Succeeded), set.Record.ErrorCategory);
        Assert.That(puts[0].Path, Is.EqualTo("/jira/rest/api/3/issue/PRJ-12/assignee"));
        Assert.That(puts[0].Body!["accountId"]!.GetValue<string>(), Is.Not.Empty);
        Assert.That(unset.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(puts[1].Body!.ToJsonString(), Is.EqualTo("""{"accountId":null}"""));
        Assert.That(bad.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError), "a summary with spaces is not an account id");
        Assert.That(puts, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Link_defaults_the_missing_side_to_the_events_issue()
    {
        var outcome = await _kit.RunAsync("""{"id":"l","type":"jira.link","linkType":"Blocks","inwardIssue":"OPS-{{ 1 | plus: 1 }}"}""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var link = _kit.Site.Requests.Single();
        Assert.That(link.Path, Is.EqualTo("/jira/rest/api/3/issueLink"));
        Assert.That(link.Body!.ToJsonString(), Is.EqualTo("""{"type":{"name":"Blocks"},"inwardIssue":{"key":"OPS-2"},"outwardIssue":{"key":"PRJ-12"}}"""));
    }

    [Test]
    public async Task Issue_and_project_ids_are_sent_as_id_and_keys_as_key()
    {
        // Jira reads {"id": …} or {"key": …} (LinkedIssue; create's project and parent); an id sent as a key names no issue.
        var link = await _kit.RunAsync("""{"id":"l","type":"jira.link","linkType":"Blocks","inwardIssue":"10001","outwardIssue":"OPS-3"}""");
        var create = await _kit.RunAsync("""{"id":"c","type":"jira.create","project":"10000","issueType":"Sub-task","parent":"10002","fields":{"summary":"x"}}""");

        Assert.That(link.Record.Status, Is.EqualTo(RunStatus.Succeeded), link.Record.ErrorCategory);
        Assert.That(create.Record.Status, Is.EqualTo(RunStatus.Succeeded), create.Record.ErrorCategory);
        var linkBody = _kit.Site.Requests.Single(r => r.Path == "/jira/rest/api/3/issueLink").Body!;
        var fields = _kit.Site.Requests.Single(r => r.Path == "/jira/rest/api/3/issue").Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(linkBody["inwardIssue"]!.ToJsonString(), Is.EqualTo("""{"id":"10001"}"""));
            Assert.That(linkBody["outwardIssue"]!.ToJsonString(), Is.EqualTo("""{"key":"OPS-3"}"""));
            Assert.That(fields["project"]!.ToJsonString(), Is.EqualTo("""{"id":"10000"}"""));
            Assert.That(fields["parent"]!.ToJsonString(), Is.EqualTo("""{"id":"10002"}"""));
        });
    }

    [Test]
    public async Task Create_sends_environment_reporter_components_and_versions_in_Jiras_shapes()
    {
        // v3 takes environment as a document, users as objects, components and versions as lists of objects.
        var outcome = await _kit.RunAsync("""
            {"id":"c","type":"jira.create","issueType":"Bug",
             "fields":{"summary":"x","environment":"Chrome 120\nmacOS","reporter":"557058:abc","components":"Backend, API",
                       "fixVersions":["1.2"],"versions":"1.1"}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single(r => r.Path == "/jira/rest/api/3/issue").Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["environment"]!["type"]!.GetValue<string>(), Is.EqualTo("doc"));
            Assert.That(fields["reporter"]!.ToJsonString(), Is.EqualTo("""{"accountId":"557058:abc"}"""));
            Assert.That(fields["components"]!.ToJsonString(), Is.EqualTo("""[{"name":"Backend"},{"name":"API"}]"""));
            Assert.That(fields["fixVersions"]!.ToJsonString(), Is.EqualTo("""[{"name":"1.2"}]"""));
            Assert.That(fields["versions"]!.ToJsonString(), Is.EqualTo("""[{"name":"1.1"}]"""));
        });
    }

    [Test]
    public async Task Edit_update_set_of_a_list_field_sends_a_list()
    {
        // set replaces the whole list: Jira takes its operand as an array, even for one label or component.
        var outcome = await _kit.RunAsync("""
            {"id":"e","type":"jira.edit","update":{"labels":{"set":"triaged, urgent"},"components":{"set":"Backend"},"fixVersions":{"set":["1.2"]}}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var update = _kit.Site.Requests.Single(r => r.Method == "PUT").Body!["update"]!;
        Assert.Multiple(() =>
        {
            Assert.That(update["labels"]!.ToJsonString(), Is.EqualTo("""[{"set":["triaged","urgent"]}]"""));
            Assert.That(update["components"]!.ToJsonString(), Is.EqualTo("""[{"set":[{"name":"Backend"}]}]"""));
            Assert.That(update["fixVersions"]!.ToJsonString(), Is.EqualTo("""[{"set":[{"name":"1.2"}]}]"""));
        });
    }

    [Test]
    public async Task Search_follows_next_page_tokens_and_stops_at_max_results()
    {
        for (var i = 1; i <= 7; i++)
        {
            _kit.Site.SearchResults.Add(new JsonObject { ["id"] = $"1000{i}", ["key"] = $"OPS-{i}", ["fields"] = new JsonObject { ["summary"] = $"Task {i}" } });
        }

        _kit.Site.SearchPageCap = 2;
        var capped = await _kit.RunAsync("""{"id":"found","type":"jira.search","jql":"parent = {{ issue.key }} AND statusCategory != Done","select":["summary","status"],"maxResults":5}""");
        var all = await _kit.RunAsync("""{"id":"found","type":"jira.search","jql":"project = OPS"}""");

        Assert.That(capped.Record.Status, Is.EqualTo(RunStatus.Succeeded), capped.Record.ErrorCategory);
        Assert.That(capped.Output!["count"]!.GetValue<int>(), Is.EqualTo(5));
        Assert.That(capped.Output!["truncated"]!.GetValue<bool>(), Is.True);
        Assert.That(capped.Output!["issues"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()), Is.EqualTo(new[] { "OPS-1", "OPS-2", "OPS-3", "OPS-4", "OPS-5" }));
        var first = _kit.Site.Requests.First(r => r.Path == "/jira/rest/api/3/search/jql");
        Assert.That(first.Body!["jql"]!.GetValue<string>(), Is.EqualTo("parent = PRJ-12 AND statusCategory != Done"));
        Assert.That(first.Body!["fields"]!.ToJsonString(), Is.EqualTo("""["summary","status"]"""));
        Assert.That(all.Output!["count"]!.GetValue<int>(), Is.EqualTo(7));
        Assert.That(all.Output!["truncated"]!.GetValue<bool>(), Is.False);
        Assert.That(CompiledJiraStep.IsWrite(JiraKit.Compile("""{"id":"s","type":"jira.search","jql":"x"}""")), Is.False, "a search does not count as a write for the loop guard");
        Assert.That(CompiledJiraStep.IsWrite(JiraKit.Compile("""{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x"}}""")), Is.True);
    }

    [Test]
    public async Task Edit_update_adds_and_removes_labels_without_replacing_them()
    {
        var outcome = await _kit.RunAsync("""
            {"id":"e","type":"jira.edit","update":{"labels":[{"add":"{{ issue.fields.priority.name | downcase }}"},{"remove":"needs-triage"}],"components":{"add":"Backend"}}}
            """);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var edit = _kit.Site.Requests.Single();
        Assert.That(edit.Method, Is.EqualTo("PUT"));
        Assert.That(edit.Body!["fields"], Is.Null, "no fields replaced");
        Assert.That(edit.Body!["update"]!["labels"]!.ToJsonString(), Does.Contain("""{"remove":"needs-triage"}"""));
        Assert.That(edit.Body!["update"]!["labels"]![0]!["add"], Is.Not.Null);
        Assert.That(edit.Body!["update"]!["components"]!.ToJsonString(), Is.EqualTo("""[{"add":{"name":"Backend"}}]"""));
    }

    [TestCase("""{"id":"c","type":"jira.create","fields":{"summary":"x"}}""", "steps[0].issueType")]
    [TestCase("""{"id":"c","type":"jira.create","issueType":"Task","fields":{"labels":"x"}}""", "steps[0].fields.summary")]
    [TestCase("""{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x","project":"OPS"}}""", "steps[0].fields.project")]
    [TestCase("""{"id":"c","type":"jira.create","issueType":"Task","issue":"OPS-1","fields":{"summary":"x"}}""", "steps[0].issue")]
    [TestCase("""{"id":"a","type":"jira.assign"}""", "steps[0].assignee")]
    [TestCase("""{"id":"l","type":"jira.link","inwardIssue":"OPS-1"}""", "steps[0].linkType")]
    [TestCase("""{"id":"l","type":"jira.link","linkType":"Blocks"}""", "steps[0].outwardIssue")]
    [TestCase("""{"id":"s","type":"jira.search"}""", "steps[0].jql")]
    [TestCase("""{"id":"s","type":"jira.search","jql":"x","maxResults":1001}""", "steps[0].maxResults")]
    [TestCase("""{"id":"s","type":"jira.search","jql":"x","select":["summary","bad field"]}""", "steps[0].select[1]")]
    [TestCase("""{"id":"e","type":"jira.edit","update":{"summary":{"add":"x"}}}""", "steps[0].update.summary")]
    [TestCase("""{"id":"e","type":"jira.edit","update":{"labels":[{"append":"x"}]}}""", "steps[0].update.labels[0]")]
    [TestCase("""{"id":"e","type":"jira.edit"}""", "steps[0].fields")]
    [TestCase("""{"id":"e","type":"jira.comment","body":"x","jql":"project = OPS"}""", "steps[0].jql")]
    [TestCase("""{"id":"e","type":"jira.transition","transition":"Done","update":{"labels":{"add":"x"}}}""", "steps[0].update")]
    public void Each_kind_names_the_field_it_refuses(string json, string field)
    {
        var definition = TestJson.Read<StepDefinition>(json);
        var errors = new ValidationErrors();
        Assert.That(StepKinds.TryGet(definition.Type, out var compiler), Is.True);
        var step = compiler!.Compile(definition, "steps[0]", new StepCompileContext(null, new BluBees.Engine.Egress.EgressOptions(), TemplateLimits.Default), errors);
        Assert.That(step, Is.Null);
        Assert.That(errors.ToString(), Does.Contain(field));
    }

    [Test]
    public async Task A_dry_run_shows_each_request_with_the_token_masked_and_sends_nothing()
    {
        foreach (var json in new[]
        {
            """{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x"}}""",
            """{"id":"a","type":"jira.assign","assignee":"557058:abc"}""",
            """{"id":"l","type":"jira.link","linkType":"Blocks","inwardIssue":"OPS-2"}""",
            """{"id":"s","type":"jira.search","jql":"project = OPS"}""",
        })
        {
            var preview = _kit.Preview.Preview(JiraKit.Compile(json), SampleEvents.Scope(), "steps[0]");
            Assert.That(preview.Error, Is.Null, json);
            Assert.That(preview.Request!.Headers["Authorization"], Does.Not.Contain(FakeJiraSite.Token));
            Assert.That(preview.Request.Url, Does.Contain("/rest/api/3/"));
        }

        Assert.That(_kit.Site.Requests, Is.Empty);
        await Task.CompletedTask;
    }
}
