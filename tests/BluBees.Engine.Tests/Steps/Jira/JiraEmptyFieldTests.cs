using BluBees.Engine.Execution;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// An option-like field value that renders empty (a smart value with nothing in it) was sent as <c>{"name":""}</c>,
/// <c>{"value":""}</c> or <c>{"accountId":""}</c>, which Jira refuses with a 400 naming no template. Now a field Jira can
/// clear is cleared (null for an option, a cascading select or a user picker, <c>{"accountId": null}</c> to unassign, an
/// empty item dropped from a list of options, components, versions or users, so none left clears the list), and the
/// priority, which an issue always has in Jira Cloud, fails the step before anything is sent: template_error at
/// <c>fields.priority</c>. Shapes: Edit issue, https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put
/// and "Field input formats", https://developer.atlassian.com/server/jira/platform/jira-rest-api-examples/#setting-custom-field-data-for-other-field-types.
/// </summary>
[TestFixture]
public sealed class JiraEmptyFieldTests
{
    // In the sample scope issue.fields.description is "" and issue.fields.assignee is null.
    private const string Empty = "{{ issue.fields.description }}";

    private JiraKit _kit = null!;

    private static string E(string json) => json.Replace("EMPTY", Empty, StringComparison.Ordinal);

    [SetUp]
    public void SetUp() => _kit = new JiraKit();

    [TearDown]
    public async Task TearDownAsync() => await _kit.DisposeAsync();

    [TestCase("\"" + Empty + "\"", Description = "a text priority that renders empty")]
    [TestCase("\"  {{ issue.fields.description }}  \"", Description = "blank")]
    [TestCase("\"{{ issue.fields.assignee }}\"", Description = "a whole-value template that renders null")]
    [TestCase("{\"name\":\"" + Empty + "\"}", Description = "by name")]
    [TestCase("{\"id\":\"" + Empty + "\"}", Description = "by id")]
    public async Task An_empty_priority_fails_the_step_at_its_field_before_anything_is_sent(string priority)
    {
        var outcome = await _kit.RunAsync("""{"id":"e","type":"jira.edit","fields":{"summary":"kept","priority":""" + priority + "}}");

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
            Assert.That(outcome.Record.FailedField, Is.EqualTo("fields.priority"));
            Assert.That(_kit.Site.Requests, Is.Empty, "nothing is sent to Jira");
        });
    }

    [Test]
    public async Task An_empty_priority_on_create_fails_the_step_too()
    {
        var outcome = await _kit.RunAsync(E("""{"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x","priority":"EMPTY"}}"""));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo("fields.priority"));
        Assert.That(_kit.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task Empty_options_and_users_clear_their_fields()
    {
        var outcome = await _kit.RunAsync(E("""
            {"id":"e","type":"jira.edit","fields":{
              "customfield_10050":{"value":"EMPTY"},
              "customfield_10051":{"id":" EMPTY "},
              "customfield_10060":{"accountId":"EMPTY"},
              "customfield_10070":{"value":"EMPTY","child":{"value":"EMPTY"}},
              "assignee":{"accountId":"EMPTY"}}}
            """));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single().Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["customfield_10050"], Is.Null, "a select list option: null clears it");
            Assert.That(fields.AsObject().ContainsKey("customfield_10050"), Is.True, "sent as null, not left out");
            Assert.That(fields["customfield_10051"], Is.Null);
            Assert.That(fields["customfield_10060"], Is.Null, "a user picker");
            Assert.That(fields["customfield_10070"], Is.Null, "a cascading select with neither option");
            Assert.That(fields["assignee"]!.ToJsonString(), Is.EqualTo("""{"accountId":null}"""), "unassigned, as an empty account id text does");
        });
    }

    [Test]
    public async Task Empty_items_are_dropped_from_lists_and_a_list_left_empty_clears_the_field()
    {
        var outcome = await _kit.RunAsync(E("""
            {"id":"c","type":"jira.create","issueType":"Task","fields":{"summary":"x",
              "customfield_10050":[{"value":"EMEA"},{"value":"EMPTY"}],
              "customfield_10060":[{"accountId":"EMPTY"}],
              "components":[{"name":"EMPTY"},{"name":"Backend"}],
              "fixVersions":[{"id":"EMPTY"}]}}
            """));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var fields = _kit.Site.Requests.Single(r => r.Method == "POST").Body!["fields"]!;
        Assert.Multiple(() =>
        {
            Assert.That(fields["customfield_10050"]!.ToJsonString(), Is.EqualTo("""[{"value":"EMEA"}]"""));
            Assert.That(fields["customfield_10060"]!.ToJsonString(), Is.EqualTo("[]"));
            Assert.That(fields["components"]!.ToJsonString(), Is.EqualTo("""[{"name":"Backend"}]"""));
            Assert.That(fields["fixVersions"]!.ToJsonString(), Is.EqualTo("[]"));
        });
    }

    [Test]
    public async Task A_cascading_select_with_an_empty_child_sets_the_parent_alone()
    {
        var outcome = await _kit.RunAsync(E("""{"id":"e","type":"jira.edit","fields":{"customfield_10070":{"value":"Europe","child":{"value":"EMPTY"}}}}"""));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(_kit.Site.Requests.Single().Body!["fields"]!["customfield_10070"]!.ToJsonString(), Is.EqualTo("""{"value":"Europe"}"""));
    }

    [Test]
    public async Task A_cascading_select_with_a_child_but_an_empty_parent_fails_at_its_field()
    {
        var outcome = await _kit.RunAsync(E("""{"id":"e","type":"jira.edit","fields":{"customfield_10070":{"value":"EMPTY","child":{"value":"Paris"}}}}"""));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo("fields.customfield_10070"));
        Assert.That(_kit.Site.Requests, Is.Empty);
    }

    [Test]
    public async Task Adding_or_removing_an_empty_component_or_option_is_skipped_as_an_empty_label_is()
    {
        var outcome = await _kit.RunAsync(E("""
            {"id":"e","type":"jira.edit","update":{
              "components":[{"add":"EMPTY"},{"remove":"Legacy"}],
              "customfield_10050":[{"add":{"value":"EMPTY"}}]}}
            """));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var update = _kit.Site.Requests.Single().Body!["update"]!;
        Assert.Multiple(() =>
        {
            Assert.That(update["components"]!.ToJsonString(), Is.EqualTo("""[{"remove":{"name":"Legacy"}}]"""));
            Assert.That(update.AsObject().ContainsKey("customfield_10050"), Is.False, "nothing to add");
        });
    }

    [Test]
    public async Task Setting_an_empty_option_clears_it_and_empty_items_leave_a_set_list()
    {
        var outcome = await _kit.RunAsync(E("""
            {"id":"e","type":"jira.edit","update":{
              "customfield_10050":[{"set":{"value":"EMPTY"}}],
              "customfield_10051":[{"set":[{"value":"EMEA"},{"value":"EMPTY"}]}]}}
            """));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var update = _kit.Site.Requests.Single().Body!["update"]!;
        Assert.Multiple(() =>
        {
            Assert.That(update["customfield_10050"]!.ToJsonString(), Is.EqualTo("""[{"set":null}]"""), "set null clears a select");
            Assert.That(update["customfield_10051"]!.ToJsonString(), Is.EqualTo("""[{"set":[{"value":"EMEA"}]}]"""));
        });
    }
}
