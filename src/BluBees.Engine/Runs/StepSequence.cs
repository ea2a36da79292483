using System.Collections.Frozen;
using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Logging;
using BluBees.Engine.Execution;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Runs;

/// <summary>What a list of steps did: their records, the first error, and whether a failure stopped the list.</summary>
internal sealed record SequenceResult(IReadOnlyList<StepRecord> Records, string? FirstError, bool Stopped, bool Cancelled)
{
    /// <summary>The bytes of the outputs this list left in its scope, counted in the run's <see cref="RunData"/>.</summary>
    public long Held { get; init; }

    /// <summary>As a run's status: succeeded; partial when something failed but later work went on and something succeeded; else failed.</summary>
    public string Status => Cancelled ? RunStatus.Failed
        : FirstError is null ? RunStatus.Succeeded
        : !Stopped && Records.Any(r => r.Status == RunStatus.Succeeded) ? RunStatus.Partial
        : RunStatus.Failed;

    /// <summary>The run record's category: <c>cancelled</c> when the run was stopped by shutdown, else the first error.</summary>
    public string? ErrorCategory => Cancelled ? ErrorCategories.Cancelled : FirstError;
}

/// <summary>
/// Runs one rule's steps, control flow included, for one run: per-step <c>if</c>, <c>if</c>/<c>else</c> blocks and
/// <c>forEach</c> (see <c>StepSequence.Loop.cs</c>). Outputs go to <c>steps.&lt;id&gt;</c> of the scope the steps
/// run in; a failed step stops its list unless it says <c>onError: continue</c>, and a stop inside a block stops the
/// list around it unless the block says <c>continue</c>. One instance per run: it counts the run's step executions
/// (<see cref="FlowLimits.MaxStepExecutions"/>), the nested records it keeps (<see cref="FlowLimits.MaxNestedRecords"/>)
/// and the bytes of JSON it holds (<see cref="RunData"/>: a leaf's output is charged as it enters the scope, a
/// parallel loop's scope copies as they are made).
/// </summary>
internal sealed partial class StepSequence(FrozenDictionary<string, IStepExecutor> executors, TimeProvider time, ILogger logger, string ruleId, RunData? data = null)
{
    private readonly RunData _data = data ?? RunData.Unbounded();
    private int _executions;
    private int _keptRecords;

    public Task<SequenceResult> RunAsync(IReadOnlyList<ICompiledStep> steps, StepRun run, CancellationToken ct)
        => RunAsync(steps, run, _data.EventBytes, ct);

    /// <summary>The steps in <paramref name="run"/>'s scope, which holds <paramref name="scopeBytes"/> before them (what a copy of it costs).</summary>
    private async Task<SequenceResult> RunAsync(IReadOnlyList<ICompiledStep> steps, StepRun run, long scopeBytes, CancellationToken ct)
    {
        long held = 0;
        var records = new List<StepRecord>(steps.Count);
        var stopped = false;
        var cancelled = false;
        string? firstError = null;
        var stepsScope = (JsonObject)run.Scope["steps"]!;
        foreach (var step in steps)
        {
            if (stopped)
            {
                records.Add(StepRecord.NotRun(step, RunStatus.Skipped, null));
                continue;
            }

            var (outcome, stops, kept) = await RunStepAsync(step, run, scopeBytes + held, ct);
            held += kept;
            records.Add(outcome.Record);
            stepsScope[step.Id] = outcome.Output;
            if (outcome.Record.Status != RunStatus.Failed)
            {
                continue;
            }

            firstError ??= outcome.Record.ErrorCategory;
            if (outcome.Record.ErrorCategory == ErrorCategories.Cancelled && ct.IsCancellationRequested)
            {
                cancelled = stopped = true;
            }
            else
            {
                stopped = stops && !step.ContinueOnError;
            }
        }

        return new SequenceResult(records, firstError, stopped, cancelled) { Held = held };
    }

    /// <summary>
    /// One step; <c>Stops</c>: whether its failure stops the list around it (a block that contained its own stop does
    /// not); <c>Held</c>: the bytes of the outputs it left in the scope (a block's: its steps').
    /// </summary>
    private async Task<(StepOutcome Outcome, bool Stops, long Held)> RunStepAsync(ICompiledStep step, StepRun run, long scopeBytes, CancellationToken ct)
    {
        if (step is GuardedStep guarded)
        {
            var started = time.GetTimestamp();
            try
            {
                if (!guarded.If.Evaluate(run.Scope, null))
                {
                    return (new StepOutcome(StepRecord.NotRun(guarded.Step, RunStatus.Skipped, null) with { SkippedBy = FlowKinds.SkippedByIf }, null), false, 0);
                }
            }
            catch (ConditionEvaluationException ex)
            {
                return (Failed(guarded.Step, started, ex.Category), true, 0);
            }

            step = guarded.Step;
        }

        switch (step)
        {
            case CompiledIfBlock block:
                return await RunIfAsync(block, run, scopeBytes, ct);
            case CompiledForEach loop:
                var (loopOutcome, loopStops) = await RunLoopAsync(loop, run, scopeBytes, ct);
                return (loopOutcome, loopStops, 0); // counts only: its steps' outputs are gone
            default:
                var outcome = Keep(step, await RunLeafAsync(step, run, ct));
                return (outcome, true, outcome.Output is null ? 0 : outcome.OutputBytes ?? outcome.Record.BytesIn);
        }
    }

    /// <summary>
    /// Charges a leaf's output to the run's data budget as it enters the scope, from the byte count the step already
    /// has (no serializing); an output that does not fit fails the step and is not kept.
    /// </summary>
    private StepOutcome Keep(ICompiledStep step, StepOutcome outcome)
    {
        if (outcome.Output is null || _data.TryCharge(outcome.OutputBytes ?? outcome.Record.BytesIn))
        {
            return outcome;
        }

        LogRunDataExceeded(logger, ruleId, step.Id, _data.Max);
        return new StepOutcome(outcome.Record with { Status = RunStatus.Failed, ErrorCategory = ErrorCategories.RunDataBudgetExceeded }, null);
    }

    private async Task<StepOutcome> RunLeafAsync(ICompiledStep step, StepRun run, CancellationToken ct)
    {
        if (Interlocked.Increment(ref _executions) > FlowLimits.MaxStepExecutions)
        {
            return new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.StepLimitExceeded), null);
        }

        var budget = RunBudget.Current;
        var refusals = budget?.Refusals ?? 0;
        StepOutcome outcome;
        try
        {
            if (step.Kind != CompiledHttpStep.KindName)
            {
                // Other kinds may call out or write as they start; an HTTP step prepares its request first and waits
                // just before its send (HttpStepExecutor).
                await AcceptCommit.WaitAsync(ct);
            }

            outcome = executors.TryGetValue(step.Kind, out var executor)
                ? await executor.ExecuteAsync(run, step, ct)
                : new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.InternalError), null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.Cancelled), null);
        }
        catch (Connections.ConnectionSavedByNewerVersionException ex)
        {
            // Not read leniently (its credentials and hosts decide where a secret goes): a stable category, not internal_error.
            LogConnectionSavedByNewerVersion(logger, ruleId, step.Id, ex.ConnectionId);
            return new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.ConnectionSavedByNewerVersion), null);
        }
        catch (Exception ex)
        {
            LogStepCrash(logger, ruleId, step.Id, ex.GetType().Name);
            return new StepOutcome(StepRecord.NotRun(step, RunStatus.Failed, ErrorCategories.InternalError), null);
        }

        return !outcome.Succeeded && budget is not null && budget.Refusals > refusals
            ? outcome with { Record = outcome.Record with { ErrorCategory = ErrorCategories.TemplateBudgetExceeded } }
            : outcome;
    }

    private async Task<(StepOutcome Outcome, bool Stops, long Held)> RunIfAsync(CompiledIfBlock block, StepRun run, long scopeBytes, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        bool holds;
        try
        {
            holds = block.If.Evaluate(run.Scope, null);
        }
        catch (ConditionEvaluationException ex)
        {
            return (Failed(block, started, ex.Category), true, 0);
        }

        var (branch, steps) = holds ? (FlowKinds.BranchThen, block.Then)
            : block.Else.Count > 0 ? (FlowKinds.BranchElse, block.Else)
            : (FlowKinds.BranchNone, []);
        var output = new JsonObject { ["branch"] = branch };
        if (steps.Count == 0)
        {
            var none = StepRecord.NotRun(block, RunStatus.Skipped, null) with { SkippedBy = FlowKinds.SkippedByIf, Branch = branch, Steps = [] };
            return (new StepOutcome(none, output), false, 0);
        }

        var inner = await RunAsync(steps, run, scopeBytes, ct);
        var status = inner.FirstError is null ? RunStatus.Succeeded : RunStatus.Failed;
        var record = Block(block, started, status, inner.ErrorCategory) with { Branch = branch, Steps = inner.Records };
        return (new StepOutcome(record, output), inner.Stopped, inner.Held);
    }

    private StepOutcome Failed(ICompiledStep step, long started, string category)
        => new(Block(step, started, RunStatus.Failed, category), null);

    private StepRecord Block(ICompiledStep step, long started, string status, string? category)
        => new(step.Id, step.Kind, step.ConnectionId, step.Method, null, null, 0, 0, 0, (long)time.GetElapsedTime(started).TotalMilliseconds, status, category);

    /// <summary>Counts <paramref name="count"/> nested records against the run's record budget; false (nothing counted) when they do not fit.</summary>
    private bool TryKeep(int count)
    {
        while (true)
        {
            var kept = Volatile.Read(ref _keptRecords);
            if (kept + count > FlowLimits.MaxNestedRecords)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _keptRecords, kept + count, kept) == kept)
            {
                return true;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {StepId} of rule {RuleId} crashed with {ExceptionType}")]
    private static partial void LogStepCrash(ILogger logger, string ruleId, string stepId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {StepId} of rule {RuleId} did not run: its connection {ConnectionId} was saved by a newer version of BluBees, which this version cannot read; it runs again once the connection is saved again")]
    private static partial void LogConnectionSavedByNewerVersion(ILogger logger, string ruleId, string stepId, string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {StepId} of rule {RuleId} failed: its output would pass the {MaxRunDataBytes} bytes a run may hold")]
    private static partial void LogRunDataExceeded(ILogger logger, string ruleId, string stepId, long maxRunDataBytes);
}
