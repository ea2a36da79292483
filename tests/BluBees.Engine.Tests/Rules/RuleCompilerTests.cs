using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using static BluBees.Engine.Tests.Support.StepKit;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Tests.Rules;

public sealed class RuleCompilerTests
{
    private const string NotifyStep = """{ "id": "notify", "type": "http", "connection": "conn_api", "method": "POST", "path": "/issues", "body": { "key": "{{ issue.key }}" } }""";

    private static IDictionary<string, string[]> Errors(RuleDefinition definition)
    {
        var (rule, errors) = CompileRule(definition);
        Assert.That(rule, Is.Null, "an invalid rule must not compile");
        return errors.ToDictionary();
    }

    private static string StepWithId(string id) => $$"""{ "id": "{{id}}", "type": "http", "connection": "conn_api" }""";

    [Test]
    public void CompilesAValidRule()
    {
        var definition = TestJson.Read<RuleDefinition>($$"""
            {
              "name": "  Notify on progress  ",
              "trigger": { "type": "event", "events": ["avi:jira:updated:issue"], "fieldChanged": { "field": "status", "to": "In Progress" } },
              "conditions": { "all": [ { "field": "issue.fields.priority.name", "op": "in", "value": ["High", "Highest"] } ] },
              "steps": [ {{NotifyStep}}, { "id": "audit", "type": "http", "url": "https://audit.example.org/log", "method": "PUT", "body": [1, 2] } ]
            }
            """);

        var (rule, errors) = CompileRule(definition);

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(rule!.Id, Is.EqualTo("rule_1"));
        Assert.That(rule.Version, Is.EqualTo(1));
        Assert.That(rule.Name, Is.EqualTo("Notify on progress"), "the name is trimmed");
        Assert.That(rule.Trigger.Kind, Is.EqualTo(TriggerKind.Event));
        Assert.That(rule.Conditions!.Evaluate(SampleEvents.Scope(), null), Is.True);
        Assert.That(rule.Steps.Select(s => (s.Id, s.ConnectionId, s.Method)), Is.EqualTo(new[] { ("notify", (string?)ApiId, "POST"), ("audit", null, "PUT") }));
        Assert.That(rule.Trigger.Matches(Engine.Execution.RunSource.Event, SampleEvents.Event(), out _), Is.True);
    }

    [Test]
    public void ARuleWithoutConditionsHasNone()
    {
        var (rule, _) = CompileRule(Rule(NotifyStep));

        Assert.That(rule!.Conditions, Is.Null);
    }

    [TestCase(null, "is required")]
    [TestCase("   ", "is required")]
    public void ANameIsRequired(string? name, string message)
    {
        Assert.That(Errors(Rule(NotifyStep) with { Name = name }), Is.EqualTo(new Dictionary<string, string[]> { ["name"] = [message] }));
    }

    [Test]
    public void ANameIsAtMost200Characters()
    {
        Assert.That(CompileRule(Rule(NotifyStep) with { Name = new string('n', 200) }).Errors.IsEmpty, Is.True);
        Assert.That(Errors(Rule(NotifyStep) with { Name = new string('n', 201) }), Is.EqualTo(new Dictionary<string, string[]> { ["name"] = ["may be at most 200 characters"] }));
    }

    [Test]
    public void ARuleNeedsAtLeastOneStep()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Errors(Rule() with { Steps = null }), Is.EqualTo(new Dictionary<string, string[]> { ["steps"] = ["a rule needs at least one step"] }));
            Assert.That(Errors(Rule()), Is.EqualTo(new Dictionary<string, string[]> { ["steps"] = ["a rule needs at least one step"] }));
        }
    }

    [Test]
    public void ARuleMayHaveTwentySteps()
    {
        var (rule, errors) = CompileRule(Rule([.. Enumerable.Range(0, RuleLimits.MaxSteps).Select(i => StepWithId($"s{i}"))]));

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(rule!.Steps, Has.Count.EqualTo(20));
    }

    [Test]
    public void TwentyOneStepsAreTooMany()
    {
        var errors = Errors(Rule([.. Enumerable.Range(0, RuleLimits.MaxSteps + 1).Select(i => StepWithId($"s{i}"))]));

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]> { ["steps"] = ["a rule may have at most 20 steps, this one has 21"] }));
    }

    [Test]
    public void StepIdsAreUnique()
    {
        var errors = Errors(Rule(StepWithId("a"), StepWithId("b"), StepWithId("a"), StepWithId("b")));

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[2].id"] = ["'a' is used by an earlier step"],
            ["steps[3].id"] = ["'b' is used by an earlier step"],
        }));
    }

    [TestCase(null, "is required")]
    [TestCase("", "is required")]
    [TestCase("  ", "is required")]
    [TestCase("1st", "must be")]
    [TestCase("a-b", "must be")]
    [TestCase("a b", "must be")]
    [TestCase("ünicode", "must be")]
    public void StepIdsAreIdentifiers(string? id, string start)
    {
        // A step id that is there but malformed is not "required": the message says what it must be.
        var step = id is null ? """{ "type": "http", "connection": "conn_api" }""" : StepWithId(id);

        Assert.That(Errors(Rule(step)), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[0].id"] = [start + ": letters, digits and '_', not starting with a digit, at most 40 characters"],
        }));
    }

    [Test]
    public void StepIdsAreAtMost40Characters()
    {
        Assert.That(CompileRule(Rule(StepWithId("_" + new string('a', 39)))).Errors.IsEmpty, Is.True);
        Assert.That(Errors(Rule(StepWithId(new string('a', 41)))).Keys, Is.EqualTo(new[] { "steps[0].id" }));
    }

    [TestCase("""{ "id": "s", "connection": "conn_api" }""", "is required: one of ")]
    [TestCase("""{ "id": "s", "type": "graphql", "connection": "conn_api" }""", "'graphql' is not a step type: use one of ")]
    [TestCase("""{ "id": "s", "type": "HTTP", "connection": "conn_api" }""", "'HTTP' is not a step type: use one of ")]
    public void AStepNeedsAKnownType(string step, string start)
    {
        var errors = Errors(Rule(step));

        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].type" }));
        Assert.That(errors["steps[0].type"].Single(), Does.StartWith(start).And.Contain("'http'"));
    }

    [Test]
    public void ANullStepIsReported()
    {
        var definition = TestJson.Read<RuleDefinition>($$"""{ "name": "n", "trigger": { "type": "manual" }, "steps": [ {{NotifyStep}}, null ] }""");

        Assert.That(Errors(definition), Is.EqualTo(new Dictionary<string, string[]> { ["steps[1]"] = ["must be a step object"] }));
    }

    [Test]
    public void AStepNamingAnotherTenantsConnectionIsRefused()
    {
        var errors = Errors(Rule("""{ "id": "s", "type": "http", "connection": "conn_of_someone_else", "path": "/x" }"""));

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]> { ["steps[0].connection"] = ["connection 'conn_of_someone_else' does not exist"] }));
    }

    [Test]
    public void StepErrorsCarryTheStepIndex()
    {
        var errors = Errors(Rule(NotifyStep, """{ "id": "second", "type": "http", "connection": "conn_api", "path": "/x/{{ issue.key | nope }}" }"""));

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]> { ["steps[1].path"] = ["template error at line 1, column 19: unknown filter 'nope'"] }));
    }

    [Test]
    public void NameTriggerConditionsAndStepsAreValidatedInOnePass()
    {
        var definition = TestJson.Read<RuleDefinition>("""
            {
              "trigger": { "type": "schedule" },
              "conditions": { "field": "issue.key", "op": "like", "value": "x" },
              "steps": [ { "id": "s", "type": "http", "connection": "conn_api", "timeoutSeconds": 99 } ]
            }
            """);

        Assert.That(Errors(definition).Keys, Is.EquivalentTo(new[] { "name", "trigger.schedule.cron", "conditions.op", "steps[0].timeoutSeconds" }));
    }

    [Test]
    public void UnknownJsonPropertiesAreRefusedByTheSerializer()
    {
        Assert.That(() => TestJson.Read<RuleDefinition>("""{ "name": "n", "stepz": [] }"""), Throws.InstanceOf<System.Text.Json.JsonException>());
    }
}
