using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>
/// The <c>Idempotency-Key</c> every HTTP step and transfer destination sends unless the step sets its own: derived
/// from the tenant, the event, the rule and the step, so a replay of the same event (after a crash mid-step, a queue
/// redelivery) sends the same key and the third party can discard it, while two steps never share one. It is a hash:
/// no event data can be read back from it.
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = HttpMethods.IdempotencyKeyHeader;

    private static readonly string[] ContentKeys = ["issue", "changelog", "comment", "webhook", "user"];

    /// <summary>The key for one step of one run (stable across replays of the same event).</summary>
    public static string For(StepRun run, string stepId)
    {
        ArgumentNullException.ThrowIfNull(run);
        var identity = string.Join('\n', "v1", run.TenantId, run.EventKey ?? EventIdentity(run.Scope), run.RuleId ?? JiraTrace.RuleOf(run.Trace) ?? "",
            run.Iteration is null ? stepId : stepId + "@" + run.Iteration);
        return "blubees-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..40];
    }

    /// <summary>
    /// <paramref name="headers"/> with the step's key added, unless the step already sets a non-empty one (its own wins).
    /// </summary>
    public static IReadOnlyList<EgressHeader> With(IReadOnlyList<EgressHeader> headers, StepRun run, string stepId)
        => Has(headers) ? headers : [.. headers, new EgressHeader(Header, For(run, stepId))];

    /// <summary>True when the headers carry a non-empty <c>Idempotency-Key</c> (the step set one).</summary>
    public static bool Has(IReadOnlyList<EgressHeader> headers)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals(Header, StringComparison.OrdinalIgnoreCase) && header.Value.Length > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The event's identity from the run's scope, when the run processor did not pass one: the identifiers the ingest
    /// de-duplication uses (type, timestamp, issue, changelog and comment ids), which a replay of the event repeats.
    /// </summary>
    internal static string EventIdentity(JsonObject scope)
    {
        static string Text(JsonNode? node) => node switch
        {
            null => "",
            JsonValue value => value.ToJsonString(),
            _ => "",
        };

        var identity = string.Join('\n',
            Text(scope["event"]?["type"]), Text(scope["event"]?["timestamp"]), Text(scope["event"]?["source"]),
            Text(scope["issue"]?["id"]), Text(scope["changelog"]?["id"]), Text(scope["comment"]?["id"]));
        if (scope["event"]?["timestamp"] is null)
        {
            // Without a timestamp the identifiers cannot tell two events apart (a webhook body): use their content.
            identity += "\n" + string.Join('\n', ContentKeys.Select(k => scope[k]?.ToJsonString() ?? ""));
        }

        return identity;
    }
}
