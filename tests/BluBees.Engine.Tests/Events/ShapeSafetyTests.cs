using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Events;

/// <summary>
/// The second line behind ingress validation: an event of the wrong shape that reaches the engine anyway (an old queue
/// message, a future code path) is read as "absent" by every accessor, the scope, the triggers and the conditions —
/// nothing throws, so the worker never dies without a run record.
/// </summary>
public sealed class ShapeSafetyTests
{
    private static readonly JsonNode?[] Wrong = ["text", 42, true, new JsonArray(1, "x"), new JsonObject { ["unexpected"] = 1 }, null];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var path in new[] { "issue", "issue.fields", "issue.fields.project", "issue.fields.issuetype", "issue.id", "issue.key", "changelog", "changelog.items", "comment", "comment.body", "user", "associatedStatuses", "webhook", "timestamp", "webhookTraceValue", "atlassianId" })
        {
            foreach (var value in Wrong)
            {
                yield return new TestCaseData(path, value?.DeepClone()).SetName($"{path} = {value?.ToJsonString() ?? "null"}");
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Accessors_scope_triggers_and_conditions_never_throw(string path, JsonNode? value)
    {
        var body = SampleEvents.Event().Body.DeepClone().AsObject();
        Put(body, path, value);
        var evt = JiraEvent.From(body, out var error);
        Assert.That(evt, Is.Not.Null, error);

        Assert.DoesNotThrow(() => _ = (evt!.Issue, evt.IssueId, evt.IssueKey, evt.Fields, evt.ProjectKey, evt.IssueType, evt.ChangelogItems,
            evt.ChangelogId, evt.CommentId, evt.Timestamp, evt.WebhookId, evt.WebhookTraceValue));
        Assert.DoesNotThrow(() => EventIngestor.DedupKey(evt!));
        JsonObject scope = null!;
        Assert.DoesNotThrow(() => scope = EventScope.Create(evt!, "event"));
        foreach (var part in new[] { "issue", "changelog", "comment", "user", "project", "webhook" })
        {
            Assert.That(scope[part], Is.Null.Or.InstanceOf<JsonObject>(), $"scope.{part} is an object or absent");
        }

        var trigger = TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>(
            """{ "type": "event", "events": ["avi:jira:updated:issue"], "projects": ["OPS"], "issueTypes": ["Bug"], "fieldChanged": { "field": "status", "to": "Done" } }"""), new ValidationErrors())!;
        Assert.DoesNotThrow(() => trigger.Matches(RunSource.Event, evt!, out _));
        var webhookTrigger = TriggerCompiler.Compile(TestJson.Read<TriggerDefinition>("""{ "type": "webhook", "webhookId": "wh_1" }"""), new ValidationErrors())!;
        Assert.DoesNotThrow(() => webhookTrigger.Matches(RunSource.Webhook, evt!, out _));
        Assert.DoesNotThrow(() => new ChangedCondition("c", "status", null, "Done").Evaluate(scope, null));
    }

    [Test]
    public void An_event_type_that_is_not_a_string_is_not_an_event()
    {
        foreach (var value in Wrong.Where(v => v is not JsonValue || v.GetValueKind() != System.Text.Json.JsonValueKind.String))
        {
            Assert.That(JiraEvent.From(new JsonObject { ["eventType"] = value?.DeepClone() }, out var error), Is.Null);
            Assert.That(error, Is.EqualTo("eventType is required."));
        }
    }

    [Test]
    public void A_lone_surrogate_reads_as_absent_instead_of_throwing()
    {
        var body = JsonNode.Parse("""{"eventType":"avi:jira:updated:issue","issue":{"key":"\ud800","id":"1"}}""")!.AsObject();
        var evt = JiraEvent.From(body, out _)!;
        Assert.That(evt.IssueKey, Is.Null);
        Assert.That(evt.IssueId, Is.EqualTo("1"));
    }

    [Test]
    public void The_loop_trace_is_read_from_the_body_and_bounded()
    {
        var body = SampleEvents.Event().Body.DeepClone().AsObject();
        body["webhookTraceValue"] = "blubees.rule_1.abc";
        Assert.That(JiraEvent.From(body, out _)!.WebhookTraceValue, Is.EqualTo("blubees.rule_1.abc"));
        body["webhookTraceValue"] = new string('t', EventShape.MaxTraceLength + 1);
        Assert.That(JiraEvent.From(body, out _)!.WebhookTraceValue, Is.Null);
    }

    [TestCase("""{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"a"},{"type":"hardBreak"},{"type":"text","text":"b"}]},{"type":"paragraph","content":[{"type":"mention","attrs":{"text":"@M"}},{"type":"text","text":" c"}]}]}""", "a\nb\n@M c")]
    [TestCase("\"plain\"", "plain")]
    [TestCase("""{"type":"doc","content":"not an array"}""", "")]
    [TestCase("[1,2]", "")]
    [TestCase("""{"type":"doc","content":[{"type":"text","text":{"x":1}}]}""", "")]
    public void Adf_reads_as_plain_text_and_any_other_shape_as_empty(string json, string expected)
    {
        Assert.That(AdfText.Of(JsonNode.Parse(json)), Is.EqualTo(expected));
    }

    private static void Put(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        JsonObject node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject next)
            {
                next = new JsonObject();
                node[part] = next;
            }

            node = next;
        }

        node[parts[^1]] = value;
    }
}
