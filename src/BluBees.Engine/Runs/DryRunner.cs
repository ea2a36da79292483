using System.Collections.Frozen;
using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>The result of a dry run: nothing was sent, and every secret is masked.</summary>
public sealed record DryRunResult(
    bool Matched,
    DryRunTrigger Trigger,
    IReadOnlyList<ConditionOutcome> Conditions,
    IReadOnlyList<DryRunRequest> Requests,
    IReadOnlyList<DryRunError> Errors)
{
    /// <summary>How the walk went, step by step: previews, skips, branches and loop iterations (see <see cref="DryRunStep"/>).</summary>
    public IReadOnlyList<DryRunStep> Flow { get; init; } = [];
}

public sealed record DryRunTrigger(bool Matched, string? Reason);

/// <summary>
/// Evaluates a rule against a sample event and builds the exact requests it would send, without sending
/// anything and without decrypting any secret (the mask stands in for it).
/// </summary>
public sealed class DryRunner(IEnumerable<IStepExecutor> executors, TemplateBudgets budgets, JiraFieldCatalog fieldCatalog)
{
    private readonly FrozenDictionary<string, IStepExecutor> _executors = StepKinds.Executors(executors);

    public async Task<DryRunResult> RunAsync(TenantId tenantId, CompiledRule rule, JsonObject sample, CancellationToken ct)
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

        var walker = new DryRunWalker(_executors, tenantId);
        await walker.WalkAsync(rule.Steps, scope, "steps", null, ct);
        errors.AddRange(walker.Errors);
        return new DryRunResult(triggerMatched && conditionsPassed, new DryRunTrigger(triggerMatched, reason), trace, walker.Requests, errors) { Flow = walker.Flow };
    }
}
