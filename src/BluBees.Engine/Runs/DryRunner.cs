using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Runs;

/// <summary>The result of a dry run: nothing was sent, and every secret is masked.</summary>
public sealed record DryRunResult(
    bool Matched,
    DryRunTrigger Trigger,
    IReadOnlyList<ConditionOutcome> Conditions,
    IReadOnlyList<DryRunRequest> Requests,
    IReadOnlyList<DryRunError> Errors);

public sealed record DryRunTrigger(bool Matched, string? Reason);

public sealed record DryRunRequest(string StepId, string Method, string Url, IReadOnlyDictionary<string, string> Headers, JsonNode? Body);

public sealed record DryRunError(string? Path, string Category, string Message);

/// <summary>
/// Evaluates a rule against a sample event and builds the exact requests it would send, without sending
/// anything and without decrypting any secret (the mask stands in for it).
/// </summary>
public sealed class DryRunner(ConnectionService connections, TemplateLimits limits)
{
    public async Task<DryRunResult> RunAsync(string tenantId, CompiledRule rule, JsonObject sample, CancellationToken ct)
    {
        var source = rule.Trigger.Kind switch
        {
            TriggerKind.Schedule => RunSource.Schedule,
            TriggerKind.Manual => RunSource.Manual,
            TriggerKind.Webhook => RunSource.Webhook,
            _ => RunSource.Event,
        };
        var evt = JiraEvent.From(sample, out _) ?? JiraEvent.Synthetic(source == RunSource.Event ? EventTypes.IssueUpdated : "blubees:" + source.ToString().ToLowerInvariant(), sample);
        var errors = new List<DryRunError>();
        var triggerMatched = rule.Trigger.Matches(source, evt, out var reason);
        var scope = EventScope.Create(evt, source.ToString().ToLowerInvariant());
        var trace = new List<ConditionOutcome>();
        var conditionsPassed = true;
        try
        {
            conditionsPassed = rule.Conditions?.Evaluate(scope, trace) ?? true;
        }
        catch (ConditionEvaluationException ex)
        {
            conditionsPassed = false;
            errors.Add(new DryRunError("conditions", ErrorCategories.ConditionError, ex.Message));
        }

        var requests = new List<DryRunRequest>();
        var stepsScope = (JsonObject)scope["steps"]!;
        for (var i = 0; i < rule.Steps.Count; i++)
        {
            var step = rule.Steps[i];
            var connection = step.ConnectionId is null ? null : await connections.GetAsync(tenantId, step.ConnectionId, ct);
            if (step.ConnectionId is not null && connection is null)
            {
                errors.Add(new DryRunError($"steps[{i}].connection", Runs.ErrorCategories.ConnectionMissing, $"connection '{step.ConnectionId}' does not exist"));
                continue;
            }

            var secret = connection?.SecretCiphertext is null ? null : RequestBuilder.Mask;
            var (request, failure) = RequestBuilder.Build(step, connection, secret, scope, limits);
            if (request is null)
            {
                errors.Add(new DryRunError($"steps[{i}]", failure!.Category, failure.Message));
                continue;
            }

            var headers = request.Headers.ToDictionary(h => h.Name, h => h.IsCredential ? RequestBuilder.Mask : h.Value, StringComparer.OrdinalIgnoreCase);
            if (request.ContentType is not null)
            {
                headers["Content-Type"] = request.ContentType;
            }

            requests.Add(new DryRunRequest(step.Id, request.Method, request.Url.OriginalString.Replace(Uri.EscapeDataString(RequestBuilder.Mask), RequestBuilder.Mask, StringComparison.Ordinal), headers, request.Body is null ? null : JsonNode.Parse(request.Body)));

            // Later steps see a placeholder: a dry run has no responses.
            stepsScope[step.Id] = new JsonObject { ["status"] = null, ["ok"] = null, ["body"] = null, ["dryRun"] = true };
        }

        return new DryRunResult(triggerMatched && conditionsPassed, new DryRunTrigger(triggerMatched, reason), trace, requests, errors);
    }
}
