using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Common;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Conditions;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>
/// Executes one queued message: finds the tenant's enabled rules that the event fires, evaluates their
/// conditions, runs their steps, and writes one metadata-only run record per rule that ran.
/// </summary>
public sealed partial class RunProcessor(
    RuleService rules, IEnumerable<IStepExecutor> executors, RunStore runs, LoopGuard loops, TimeProvider time, ILogger<RunProcessor> logger,
    TemplateBudgets budgets)
    : IRunProcessor
{
    private readonly FrozenDictionary<string, IStepExecutor> _executors = executors.ToFrozenDictionary(e => e.Kind, StringComparer.Ordinal);

    public async Task ProcessAsync(RunMessage message, CancellationToken ct)
    {
        JiraEvent? evt;
        try
        {
            evt = JiraEvent.From(JsonNode.Parse(message.Payload, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }), out _);
        }
        catch (JsonException)
        {
            evt = null;
        }

        if (evt is null)
        {
            LogUnreadable(logger, message.Source);
            return;
        }

        var tenantId = message.Tenant.TenantId;
        foreach (var head in await rules.ListHeadsAsync(tenantId, ct))
        {
            if (!head.Enabled && message.Source != RunSource.Manual || message.RuleId is not null && head.Id != message.RuleId)
            {
                continue;
            }

            await RunRuleAsync(message, head, evt, ct);
        }
    }

    private async Task RunRuleAsync(RunMessage message, RuleHead head, JiraEvent evt, CancellationToken ct)
    {
        var tenantId = message.Tenant.TenantId;
        var source = message.Source;
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var sourceName = source.ToString().ToLowerInvariant();
        var rule = await rules.LoadCompiledAsync(tenantId, head, ct);
        if (rule is null)
        {
            await WriteAsync(tenantId, head.Id, head.Version, sourceName, evt, startedAt, started, RunStatus.Failed, ErrorCategories.RuleInvalid, [], ct);
            return;
        }

        if (!rule.Trigger.Matches(source, evt, out _))
        {
            return;
        }

        var scope = EventScope.Create(evt, sourceName);
        var run = new StepRun(message.Tenant, message.SystemToken, scope) { Trace = JiraTrace.New(rule.Id) };
        var budget = budgets.NewRun(); // every render and condition of this run charges it (RunBudget.Current)
        using var activeBudget = budget.Activate();
        try
        {
            if (rule.Conditions is not null && !rule.Conditions.Evaluate(scope, null))
            {
                return;
            }
        }
        catch (ConditionEvaluationException ex)
        {
            await WriteAsync(tenantId, rule.Id, rule.Version, sourceName, evt, startedAt, started, RunStatus.Failed, ex.Category, [], ct);
            return;
        }

        if (await LoopStopAsync(message, rule, evt, ct) is { } loopStatus)
        {
            await WriteAsync(tenantId, rule.Id, rule.Version, sourceName, evt, startedAt, started, loopStatus, ErrorCategories.LoopStopped,
                [.. rule.Steps.Select(s => StepRecord.NotRun(s, RunStatus.Skipped, null))], ct);
            return;
        }

        var records = new List<StepRecord>(rule.Steps.Count);
        var stopped = false;
        string? firstError = null;
        var stepsScope = (JsonObject)scope["steps"]!;
        foreach (var step in rule.Steps)
        {
            if (stopped)
            {
                records.Add(StepRecord.NotRun(step, RunStatus.Skipped, null));
                continue;
            }

            StepOutcome outcome;
            var refusals = budget.Refusals;
            try
            {
                outcome = _executors.TryGetValue(step.Kind, out var executor)
                    ? await executor.ExecuteAsync(run, step, ct)
                    : new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.InternalError), null);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogStepCrash(logger, rule.Id, step.Id, ex.GetType().Name);
                outcome = new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.InternalError), null);
            }

            if (!outcome.Succeeded && budget.Refusals > refusals)
            {
                outcome = outcome with { Record = outcome.Record with { ErrorCategory = ErrorCategories.TemplateBudgetExceeded } };
            }

            records.Add(outcome.Record);
            stepsScope[step.Id] = outcome.Output;
            if (!outcome.Succeeded)
            {
                firstError ??= outcome.Record.ErrorCategory;
                stopped = !step.ContinueOnError;
            }
        }

        var succeeded = records.Count(r => r.Status == RunStatus.Succeeded);
        var status = firstError is null ? RunStatus.Succeeded : succeeded > 0 && !stopped ? RunStatus.Partial : RunStatus.Failed;
        await WriteAsync(tenantId, rule.Id, rule.Version, sourceName, evt, startedAt, started, status, firstError, records, ct);
    }

    /// <summary>
    /// Loop detection for rules that write to Jira: an event carrying back this rule's own trace is skipped; a rule
    /// that ran too often on one issue within the window fails. Returns the run status to record, or null to go on.
    /// </summary>
    private async Task<string?> LoopStopAsync(RunMessage message, CompiledRule rule, JiraEvent evt, CancellationToken ct)
    {
        if (!rule.Steps.Any(CompiledJiraStep.IsWrite))
        {
            return null;
        }

        if (LoopGuard.IsOwnEcho(message.Trace, rule.Id))
        {
            LogLoopStopped(logger, rule.Id, "the event carries the trace of its own write");
            return RunStatus.Skipped;
        }

        if (message.Source == RunSource.Event && (evt.IssueId ?? evt.IssueKey) is { } issue && JiraValues.IsIssueRef(issue)
            && !await loops.TryEnterAsync(message.Tenant.TenantId, rule.Id, issue, ct))
        {
            LogLoopStopped(logger, rule.Id, "it ran too often on one issue within the loop window");
            return RunStatus.Failed;
        }

        return null;
    }

    private async Task WriteAsync(
        string tenantId, string ruleId, int version, string source, JiraEvent evt, DateTimeOffset startedAt, long started,
        string status, string? error, IReadOnlyList<StepRecord> steps, CancellationToken ct)
    {
        var duration = (long)time.GetElapsedTime(started).TotalMilliseconds;
        var run = new RunRecord(Ids.NewRunId(startedAt), ruleId, version, source, evt.EventType, evt.IssueId, evt.IssueKey, startedAt, duration, status, error, steps);
        // Logged before the record is written, so anything that sees the run can also find its log line.
        LogRun(logger, run.Id, ruleId, version, status, duration);
        await runs.WriteAsync(tenantId, run, ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of rule {RuleId} v{RuleVersion} finished {Status} in {DurationMs} ms")]
    private static partial void LogRun(ILogger logger, string runId, string ruleId, int ruleVersion, string status, long durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {RuleId} stopped as a loop: {Reason}")]
    private static partial void LogLoopStopped(ILogger logger, string ruleId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Source} message could not be read as an event; dropped")]
    private static partial void LogUnreadable(ILogger logger, RunSource source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {StepId} of rule {RuleId} crashed with {ExceptionType}")]
    private static partial void LogStepCrash(ILogger logger, string ruleId, string stepId, string exceptionType);
}
