using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Rules;

/// <summary>Which events fire a compiled trigger, and the reason given (for dry runs) when one does not.</summary>
public sealed class TriggerMatchTests
{
    private static CompiledTrigger Trigger(string json)
    {
        var errors = new ValidationErrors();
        var trigger = TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>(json), errors);
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        return trigger!;
    }

    private static (bool Matched, string? Reason) Match(string triggerJson, JiraEvent? evt = null, RunSource source = RunSource.Event)
    {
        var matched = Trigger(triggerJson).Matches(source, evt ?? SampleEvents.Event(), out var reason);
        Assert.That(reason is null, Is.EqualTo(matched), "a reason is given exactly when the trigger does not match");
        return (matched, reason);
    }

    [Test]
    public void MatchesAnEventOfOneOfItsTypes()
    {
        Assert.That(Match("""{ "type": "event", "events": ["avi:jira:created:issue", "avi:jira:updated:issue"] }""").Matched, Is.True);
    }

    [Test]
    public void RefusesAnEventOfAnotherType()
    {
        Assert.That(Match("""{ "type": "event", "events": ["avi:jira:created:issue"] }"""),
            Is.EqualTo((false, "event type avi:jira:updated:issue is not one of the trigger's events")));
    }

    [TestCase("[\"PRJ\"]", true)]
    [TestCase("[\"OPS\", \"PRJ\"]", true)]
    [TestCase("[]", true, Description = "an empty list does not filter")]
    [TestCase("[\"OPS\"]", false)]
    [TestCase("[\"prj\"]", true, Description = "project keys compare ignoring case, as Jira's are unique and JQL matches them")]
    [TestCase("[\" PRJ \"]", true, Description = "a space typed around a key is not part of it")]
    [TestCase("[\"PR\"]", false, Description = "a prefix is another key")]
    public void FiltersByProject(string projects, bool expected)
    {
        var (matched, reason) = Match($$"""{ "type": "event", "events": ["avi:jira:updated:issue"], "projects": {{projects}} }""");

        Assert.That(matched, Is.EqualTo(expected));
        Assert.That(reason, expected ? Is.Null : Is.EqualTo("the issue's project is not one of the trigger's projects"));
    }

    [Test]
    public void AProjectFilterRefusesAnEventWithoutAProject()
    {
        var evt = SampleEvents.With("project", null);

        Assert.That(Match("""{ "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["PRJ"] }""", evt).Matched, Is.False);
        Assert.That(Match("""{ "type": "event", "events": ["avi:jira:updated:issue"] }""", evt).Matched, Is.True);
    }

    [TestCase("[\"Bug\", \"Task\"]", true)]
    [TestCase("[\"Story\"]", false)]
    [TestCase("[\"bug\"]", true, Description = "issue type names compare ignoring case, as in JQL")]
    [TestCase("[\"Bug \"]", true)]
    [TestCase("[\"Bugs\"]", false)]
    public void FiltersByIssueType(string types, bool expected)
    {
        var (matched, reason) = Match($$"""{ "type": "event", "events": ["avi:jira:updated:issue"], "issueTypes": {{types}} }""");

        Assert.That(matched, Is.EqualTo(expected));
        Assert.That(reason, expected ? Is.Null : Is.EqualTo("the issue type is not one of the trigger's issue types"));
    }

    [TestCase("""{ "field": "status" }""", true)]
    [TestCase("""{ "field": "status", "to": "In Progress" }""", true)]
    [TestCase("""{ "field": "status", "from": "To Do", "to": "In Progress" }""", true)]
    [TestCase("""{ "field": "status", "from": "10000", "to": "10001" }""", true)]
    [TestCase("""{ "field": "status", "to": "Done" }""", false)]
    [TestCase("""{ "field": "status", "from": "Done" }""", false)]
    [TestCase("""{ "field": "priority" }""", false)]
    public void FiltersByAStatusTransition(string change, bool expected)
    {
        var (matched, reason) = Match($$"""{ "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": {{change}} }""");
        var field = TestJson.Read<FieldChangeDefinition>(change).Field;

        Assert.That(matched, Is.EqualTo(expected));
        Assert.That(reason, expected ? Is.Null : Is.EqualTo($"the changelog has no matching change of '{field}'"));
    }

    [Test]
    public void AFieldChangeFilterRefusesAnEventWithoutAChangelog()
    {
        var body = JsonNode.Parse(SampleEvents.IssueUpdated)!.AsObject();
        body.Remove("changelog");

        Assert.That(Match("""{ "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": { "field": "status" } }""", SampleEvents.Event(body.ToJsonString())).Matched, Is.False);
    }

    [Test]
    public void FiltersApplyInOrderAndTheFirstFailureIsTheReason()
    {
        var (_, reason) = Match("""{ "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"], "issueTypes": ["Story"], "fieldChanged": { "field": "priority" } }""");

        Assert.That(reason, Is.EqualTo("the issue's project is not one of the trigger's projects"));
    }

    [TestCase("""{ "type": "event", "events": ["avi:jira:updated:issue"] }""", RunSource.Schedule, "event")]
    [TestCase("""{ "type": "event", "events": ["avi:jira:updated:issue"] }""", RunSource.Manual, "event")]
    [TestCase("""{ "type": "schedule", "schedule": { "everyHours": 1 } }""", RunSource.Event, "schedule")]
    [TestCase("""{ "type": "manual" }""", RunSource.Webhook, "manual")]
    [TestCase("""{ "type": "webhook", "webhookId": "hook_1" }""", RunSource.Manual, "webhook")]
    public void RefusesAnotherSource(string json, RunSource source, string kind)
    {
        var (matched, reason) = Match(json, source: source);

        Assert.That(matched, Is.False);
        Assert.That(reason, Does.StartWith("the rule has a").And.EndWith($" {kind} trigger"));
    }

    [TestCase("""{ "type": "schedule", "schedule": { "everyHours": 1 } }""", RunSource.Schedule)]
    [TestCase("""{ "type": "manual" }""", RunSource.Manual)]
    public void ScheduleAndManualSourcesMatchWhateverTheEventLooksLike(string json, RunSource source)
    {
        var evt = JiraEvent.Synthetic("blubees:" + source.ToString().ToLowerInvariant(), new JsonObject());

        Assert.That(Match(json, evt, source).Matched, Is.True);
    }

    [Test]
    public void AWebhookTriggerMatchesItsOwnHook()
    {
        var evt = JiraEvent.Synthetic("blubees:webhook", new JsonObject { ["webhook"] = new JsonObject { ["id"] = "hook_1" } });

        Assert.That(Match("""{ "type": "webhook", "webhookId": "hook_1" }""", evt, RunSource.Webhook).Matched, Is.True);
    }

    [TestCase("hook_2")]
    [TestCase(null)]
    public void AWebhookTriggerRefusesAnotherHookOrNone(string? hookId)
    {
        var body = hookId is null ? new JsonObject() : new JsonObject { ["webhook"] = new JsonObject { ["id"] = hookId } };
        var evt = JiraEvent.Synthetic("blubees:webhook", body);

        var (matched, reason) = Match("""{ "type": "webhook", "webhookId": "hook_1" }""", evt, RunSource.Webhook);

        Assert.That(matched, Is.False);
        Assert.That(reason, Is.EqualTo("the webhook is not the trigger's webhook"));
    }
}
