using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using BluBees.Engine.Events;

namespace BluBees.Engine.Tests.Rules;

public sealed class TriggerCompilerTests
{
    private static (CompiledTrigger? Trigger, IDictionary<string, string[]> Errors) Compile(TriggerDefinition? definition)
    {
        var errors = new ValidationErrors();
        var trigger = TriggerCompiler.Compile(definition, errors);
        Assert.That(trigger is null, Is.EqualTo(!errors.IsEmpty), "a trigger compiles exactly when it has no errors");
        return (trigger, errors.ToDictionary());
    }

    private static CompiledTrigger Valid(string json)
    {
        var (trigger, errors) = Compile(TestJson.Read<TriggerDefinition>(json));
        Assert.That(errors, Is.Empty);
        return trigger!;
    }

    private static IDictionary<string, string[]> Invalid(string json) => Compile(TestJson.Read<TriggerDefinition>(json)).Errors;

    /// <summary>
    /// A name no Jira project, issue type or field has (a NUL, line break or tab inside it, U+202E, a zero-width space, a
    /// byte order mark) made a rule that saved and never fired: refused at save, naming the entry. A rule stored before
    /// this check still compiles (it never matches, as before).
    /// </summary>
    [TestCase("projects", "OPS\\u0000", "trigger.projects[1]")]
    [TestCase("projects", "OP\\nS", "trigger.projects[1]")]
    [TestCase("issueTypes", "Bu\\u202Eg", "trigger.issueTypes[1]")]
    [TestCase("issueTypes", "\\uFEFFBug", "trigger.issueTypes[1]")]
    [TestCase("issueTypes", "Task\\u200B", "trigger.issueTypes[1]")]
    [TestCase("field", "sta\\ttus", "trigger.fieldChanged.field")]
    [TestCase("field", "status\\u202E", "trigger.fieldChanged.field")]
    public void A_save_refuses_a_name_with_a_control_or_invisible_character_and_a_stored_rule_still_compiles(string list, string value, string field)
    {
        var json = list == "field"
            ? $$"""{ "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": { "field": "{{value}}" } }"""
            : $$"""{ "type": "event", "events": ["avi:jira:created:issue"], "{{list}}": ["OK", "{{value}}"] }""";
        var definition = TestJson.Read<TriggerDefinition>(json);
        var errors = new ValidationErrors();

        Assert.That(TriggerCompiler.Compile(definition, errors, save: true), Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { field }));
        Assert.That(errors.ToDictionary()[field].Single(), Does.Contain("control characters"));
        Assert.That(Compile(definition).Errors, Is.Empty, "a rule stored before this check still compiles");
    }

    [Test]
    public void A_save_keeps_names_with_spaces_and_accents()
    {
        var definition = TestJson.Read<TriggerDefinition>("""{ "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"], "issueTypes": ["Sub-task", "Épica técnica", "バグ"], "fieldChanged": { "field": "customfield_10010" } }""");
        var errors = new ValidationErrors();

        Assert.That(TriggerCompiler.Compile(definition, errors, save: true), Is.Not.Null);
        Assert.That(errors.IsEmpty, Is.True);
    }

    [TestCase("""{ "type": "manual", "projects": ["OPS"] }""", "trigger.projects", "applies to event triggers only; a manual trigger would ignore it")]
    [TestCase("""{ "type": "manual", "issueTypes": ["Bug"] }""", "trigger.issueTypes", "applies to event triggers only; a manual trigger would ignore it")]
    [TestCase("""{ "type": "webhook", "webhookId": "hook_1", "fieldChanged": { "field": "status" } }""", "trigger.fieldChanged", "applies to event triggers only; a webhook trigger would ignore it")]
    [TestCase("""{ "type": "schedule", "schedule": { "everyHours": 6 }, "events": ["avi:jira:created:issue"] }""", "trigger.events", "applies to event triggers only; a schedule trigger would ignore it")]
    [TestCase("""{ "type": "event", "events": ["avi:jira:created:issue"], "schedule": { "everyHours": 6 } }""", "trigger.schedule", "applies to schedule triggers only; an event trigger would ignore it")]
    [TestCase("""{ "type": "manual", "webhookId": "hook_1" }""", "trigger.webhookId", "applies to webhook triggers only; a manual trigger would ignore it")]
    public void A_save_refuses_a_field_its_trigger_type_would_ignore_and_a_stored_rule_still_compiles(string json, string field, string message)
    {
        // A manual rule saved with projects was listed and ran on any issue: the filter was silently ignored.
        var definition = TestJson.Read<TriggerDefinition>(json);
        var errors = new ValidationErrors();
        Assert.That(TriggerCompiler.Compile(definition, errors, save: true), Is.Null);
        Assert.That(errors.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]> { [field] = [message] }));
        Assert.That(Compile(definition).Errors, Is.Empty, "a rule stored before this check still compiles and runs");
    }

    [Test]
    public void Empty_lists_of_fields_another_type_reads_are_not_refused()
    {
        var errors = new ValidationErrors();
        Assert.That(TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>("""{ "type": "manual", "projects": [], "issueTypes": [], "events": [] }"""), errors, save: true), Is.Not.Null);
        Assert.That(errors.IsEmpty, Is.True);
    }

    [Test]
    public void AMissingTriggerIsReported()
    {
        Assert.That(Compile(null).Errors, Is.EqualTo(new Dictionary<string, string[]> { ["trigger"] = ["is required"] }));
    }

    [TestCase("""{ }""", "is required: event, schedule, manual or webhook")]
    [TestCase("""{ "type": "cron" }""", "'cron' is not a trigger type: use event, schedule, manual or webhook")]
    [TestCase("""{ "type": "Event", "events": ["avi:jira:created:issue"] }""", "'Event' is not a trigger type: use event, schedule, manual or webhook")]
    [TestCase("""{ "type": "0" }""", "'0' is not a trigger type: use event, schedule, manual or webhook", Description = "enum numbers are not names")]
    public void RejectsUnknownTypes(string json, string message)
    {
        Assert.That(Invalid(json), Is.EqualTo(new Dictionary<string, string[]> { ["trigger.type"] = [message] }));
    }

    [TestCase("event", "avi:jira:created:issue", TriggerKind.Event)]
    [TestCase("schedule", null, TriggerKind.Schedule)]
    [TestCase("manual", null, TriggerKind.Manual)]
    [TestCase("webhook", null, TriggerKind.Webhook)]
    public void CompilesEachKind(string type, string? evt, TriggerKind kind)
    {
        var json = $$"""{ "type": "{{type}}", "events": {{(evt is null ? "null" : $"[\"{evt}\"]")}}, "schedule": { "everyHours": 6 }, "webhookId": "hook_1" }""";

        Assert.That(Valid(json).Kind, Is.EqualTo(kind));
    }

    [Test]
    public void AcceptsEverySupportedEvent()
    {
        var events = string.Join(", ", EventTypes.Supported.Select(e => $"\"{e}\""));

        Assert.That(Valid($$"""{ "type": "event", "events": [ {{events}} ] }""").Kind, Is.EqualTo(TriggerKind.Event));
        Assert.That(EventTypes.Supported, Has.Count.EqualTo(7));
    }

    [TestCase("""{ "type": "event" }""")]
    [TestCase("""{ "type": "event", "events": [] }""")]
    public void AnEventTriggerNeedsEvents(string json)
    {
        Assert.That(Invalid(json), Is.EqualTo(new Dictionary<string, string[]> { ["trigger.events"] = ["an event trigger needs at least one event type"] }));
    }

    [Test]
    public void ReportsEachUnknownEventAtItsIndex()
    {
        var errors = Invalid("""{ "type": "event", "events": ["avi:jira:updated:issue", "avi:jira:transitioned:issue", "avi:jira:created:issue", "AVI:JIRA:CREATED:ISSUE"] }""");

        Assert.That(errors.Keys, Is.EqualTo(new[] { "trigger.events[1]", "trigger.events[3]" }));
        Assert.That(errors["trigger.events[1]"].Single(), Does.StartWith("'avi:jira:transitioned:issue' is not a supported event: use one of avi:jira:created:issue"));
    }

    [TestCase(1)]
    [TestCase(24)]
    [TestCase(168)]
    public void SchedulesRunEveryOneTo168Hours(int hours)
    {
        Assert.That(Valid($$"""{ "type": "schedule", "schedule": { "everyHours": {{hours}} } }""").EveryHours, Is.EqualTo(hours));
    }

    [TestCase("""{ "type": "schedule", "schedule": { "everyHours": 0 } }""")]
    [TestCase("""{ "type": "schedule", "schedule": { "everyHours": -1 } }""")]
    [TestCase("""{ "type": "schedule", "schedule": { "everyHours": 169 } }""")]
    public void RejectsSchedulesOutOfRange(string json)
    {
        Assert.That(Invalid(json), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["trigger.schedule.everyHours"] = ["is required for a schedule: a whole number of hours from 1 to 168"],
        }));
    }

    [Test]
    public void OtherKindsIgnoreTheSchedule()
    {
        Assert.That(Valid("""{ "type": "manual", "schedule": { "everyHours": 0 } }""").EveryHours, Is.Zero);
    }

    [Test]
    public void AWebhookTriggerKeepsItsId()
    {
        Assert.That(Valid("""{ "type": "webhook", "webhookId": "hook_abc-123" }""").WebhookId, Is.EqualTo("hook_abc-123"));
    }

    [TestCase("""{ "type": "webhook" }""")]
    [TestCase("""{ "type": "webhook", "webhookId": "" }""")]
    [TestCase("""{ "type": "webhook", "webhookId": "../../etc" }""")]
    [TestCase("""{ "type": "webhook", "webhookId": "hook 1" }""")]
    public void AWebhookTriggerNeedsAWellFormedId(string json)
    {
        Assert.That(Invalid(json), Is.EqualTo(new Dictionary<string, string[]> { ["trigger.webhookId"] = ["is required for a webhook trigger"] }));
    }

    [Test]
    public void AWebhookIdLongerThan64CharactersIsRefused()
    {
        Assert.That(Invalid($$"""{ "type": "webhook", "webhookId": "{{new string('h', 65)}}" }""").Keys, Is.EqualTo(new[] { "trigger.webhookId" }));
    }

    [Test]
    public void ReportsBlankAndOverlongProjectAndIssueTypeNames()
    {
        var errors = Invalid($$"""{ "type": "event", "events": ["avi:jira:created:issue"], "projects": ["PRJ", " "], "issueTypes": ["{{new string('t', 256)}}"] }""");

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]>
        {
            ["trigger.projects[1]"] = ["must be a non-empty name of at most 255 characters"],
            ["trigger.issueTypes[0]"] = ["must be a non-empty name of at most 255 characters"],
        }));
    }

    [Test]
    public void LimitsTheNumberOfProjects()
    {
        var projects = string.Join(", ", Enumerable.Range(0, RuleLimits.MaxListItems + 1).Select(i => $"\"P{i}\""));

        Assert.That(Invalid($$"""{ "type": "event", "events": ["avi:jira:created:issue"], "projects": [ {{projects}} ] }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["trigger.projects"] = ["may list at most 100 values"] }));
    }

    [Test]
    public void AFieldChangeNeedsAField()
    {
        Assert.That(Invalid("""{ "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": { "to": "Done" } }"""),
            Is.EqualTo(new Dictionary<string, string[]> { ["trigger.fieldChanged.field"] = ["is required"] }));
    }
}
