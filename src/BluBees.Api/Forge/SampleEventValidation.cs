using System.Text.Json.Nodes;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Events;

namespace BluBees.Api.Forge;

/// <summary>
/// The sample event of a dry run gets the checks of a real event (<see cref="EventShape"/>), with field paths under
/// <c>event.</c>. Its <c>eventType</c>, when given, must be a known Jira event or one of the synthetic sources
/// (<c>blubees:schedule</c>, <c>blubees:webhook</c>, <c>blubees:manual</c>), so that the answer never echoes an
/// arbitrary string.
/// </summary>
internal static class SampleEventValidation
{
    private static readonly HashSet<string> Synthetic = new(StringComparer.Ordinal) { "blubees:schedule", "blubees:webhook", "blubees:manual" };

    /// <summary>Null when the sample is usable; else the 400 naming the field.</summary>
    public static InvalidProblem? Check(JsonNode? sample)
    {
        if (sample is not JsonObject root)
        {
            return Problems.Invalid("event", "is required: a sample Jira event object");
        }

        var body = JiraEvent.Unwrap(root);
        var prefix = ReferenceEquals(body, root) ? "event." : "event.payload.";
        if (body.ContainsKey("eventType"))
        {
            var type = JiraEvent.Child(body, "eventType") is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? JiraEvent.Text(v) : null;
            if (type is null)
            {
                return Problems.Invalid(prefix + "eventType", "must be a string");
            }

            if (!JiraEvent.IsKnownType(type) && !Synthetic.Contains(type))
            {
                return Problems.Invalid(prefix + "eventType", "must be a Jira event type this backend supports (see docs/api.md)");
            }
        }

        var errors = EventShape.Check(body, prefix, requireIssue: false);
        return errors.Count == 0 ? null : Problems.Invalid(ForgeEndpoints.ToValidationErrors(errors), "The sample event has fields of the wrong kind; see errors.");
    }
}
