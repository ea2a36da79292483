using System.Collections.Frozen;
using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
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
public sealed class DryRunner(IEnumerable<IStepExecutor> executors, TemplateBudgets budgets, JiraFieldCatalog fieldCatalog)
{
    private readonly FrozenDictionary<string, IStepExecutor> _executors = executors.ToFrozenDictionary(e => e.Kind, StringComparer.Ordinal);

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
        using var budget = budgets.NewRun().Activate(); // a dry run is bounded like a real run
        using var fieldNames = rule.UsesFieldNames ? fieldCatalog.ActivateCached(tenantId) : null; // cached names only: a dry run calls nothing
        try
        {
            conditionsPassed = rule.Conditions?.Evaluate(scope, trace) ?? true;
        }
        catch (ConditionEvaluationException ex)
        {
            conditionsPassed = false;
            errors.Add(new DryRunError("conditions", ex.Category, ex.Message));
        }

        var requests = new List<DryRunRequest>();
        var stepsScope = (JsonObject)scope["steps"]!;
        for (var i = 0; i < rule.Steps.Count; i++)
        {
            var step = rule.Steps[i];
            var preview = await _executors[step.Kind].PreviewAsync(tenantId, step, scope, $"steps[{i}]", ct);
            if (preview.Error is not null)
            {
                errors.Add(preview.Error);
                continue;
            }

            if (preview.Request is not null)
            {
                requests.Add(preview.Request);
            }

            stepsScope[step.Id] = preview.Output;
        }

        return new DryRunResult(triggerMatched && conditionsPassed, new DryRunTrigger(triggerMatched, reason), trace, requests, errors);
    }
}
