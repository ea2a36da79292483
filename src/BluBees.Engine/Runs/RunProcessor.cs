using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Events;
using BluBees.Engine.Observability;
using BluBees.Engine.Rules;
using BluBees.Engine.Conditions;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Runs.Trace;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Runs;

/// <summary>
/// Executes one queued message: finds the tenant's enabled rules that the event fires, evaluates their
/// conditions, runs their steps, and produces one metadata-only run record per rule that ran. Every run that
/// starts ends as a record: an exception anywhere in a rule's run is a failed record (<c>internal_error</c>), a
/// run stopped by cancellation is a failed record (<c>cancelled</c>). Run ids derive from the message, so a
/// message delivered again finishes the same records.
/// </summary>
public sealed partial class RunProcessor(
    RuleService rules, IEnumerable<IStepExecutor> executors, RunStore runs, LoopGuard loops, BluBeesMetrics metrics, TimeProvider time,
    ILogger<RunProcessor> logger, TemplateBudgets budgets, JiraFieldCatalog fieldCatalog, JiraIssueReader issues, IOptions<RunOptions> runOptions)
    : IRunProcessor
{
    private const string UnknownRule = "unknown";
    private readonly FrozenDictionary<string, IStepExecutor> _executors = StepKinds.Executors(executors);

    /// <summary>Runs the message and writes its records through the store (the SQS worker's path).</summary>
    public Task ProcessAsync(RunMessage message, CancellationToken ct) => ProcessAsync(message, replay: false, ct);

    /// <summary>
    /// Runs the message and writes its records through the store; with <paramref name="replay"/> (a message delivered
    /// before: the run deadline cut an earlier receive short, or its invocation failed after some rules finished), a
    /// rule whose record says it finished keeps it and is not run again.
    /// </summary>
    public Task ProcessAsync(RunMessage message, bool replay, CancellationToken ct) => ProcessAsync(message, replay, claimFor: null, ct);

    /// <summary>
    /// As above; with <paramref name="claimFor"/> (consumers that may run copies of one message at the same time: the SQS
    /// worker), each rule the event fires is claimed before it runs (<see cref="RunStore.TryClaimAsync"/>, a claim that
    /// lasts <paramref name="claimFor"/>). A rule another copy holds a live claim on is not run here: the records of the
    /// rules that did run are written, then <see cref="RunClaimedElsewhereException"/> gives the message back, and its
    /// next delivery finds that copy's record (or, its holder crashed, takes the expired claim over).
    /// </summary>
    public async Task ProcessAsync(RunMessage message, bool replay, TimeSpan? claimFor, CancellationToken ct)
    {
        var misses = new List<RuleTraceEntry>();
        var kept = new HashSet<RunRecord>(ReferenceEqualityComparer.Instance);
        var claims = claimFor is { } lease && message.Id is not null ? new RunClaims(lease) : null;
        var records = await ExecuteAsync(message, misses, replay, kept, claims, ct);
        foreach (var run in records)
        {
            if (kept.Contains(run))
            {
                // An earlier copy's record, written and counted then: written again it set the rule's last run back
                // to this run after a newer one of the rule (and counted the run twice).
                continue;
            }

            await runs.WriteAsync(message.Tenant.Id, run, CancellationToken.None);
            metrics.RunFinished(run.Status, run.ErrorCategory);
            if (claims is not null && run is { Status: RunStatus.Failed, ErrorCategory: ErrorCategories.Cancelled })
            {
                // Cut off: the message returns to the queue and its next delivery runs the rule again, without
                // waiting for this claim to expire.
                await runs.ReleaseClaimAsync(message.Tenant.Id, run.Id, CancellationToken.None);
            }
        }

        await runs.WriteTraceAsync(message.Tenant.Id, misses, CancellationToken.None);
        if (await runs.RemoveIfUninstalledAsync(message.Tenant.Id, records, misses, message.ReceivedAt, CancellationToken.None) && claims is not null)
        {
            foreach (var runId in claims.Held)
            {
                await runs.ReleaseClaimAsync(message.Tenant.Id, runId, CancellationToken.None); // nothing of the tenant stays behind
            }
        }

        if (claims is { Refused: true })
        {
            throw new RunClaimedElsewhereException();
        }
    }

    /// <summary>Runs the message and returns its run records without writing them (the durable queue commits them).</summary>
    public Task<IReadOnlyList<RunRecord>> ExecuteAsync(RunMessage message, CancellationToken ct) => ExecuteAsync(message, null, ct);

    /// <summary>
    /// Runs the message and returns its run records without writing them; adds to <paramref name="misses"/> the
    /// trace entries of the rules the event reached without running them (written with the records).
    /// </summary>
    public Task<IReadOnlyList<RunRecord>> ExecuteAsync(RunMessage message, List<RuleTraceEntry>? misses, CancellationToken ct)
        => ExecuteAsync(message, misses, replay: false, ct);

    /// <summary>
    /// As above; with <paramref name="replay"/> (the message was delivered before: a drain gave it back, or the process
    /// died), a rule whose record this message already left finished (not <c>cancelled</c>, not
    /// <c>delivery_exhausted</c>) is not run again: its record is kept. A drain gives the message back with the records
    /// of every rule it had run, so only the rules the deadline cut off (or never reached) run on the next start, and a
    /// finished rule's calls and Jira writes are not sent twice.
    /// </summary>
    public Task<IReadOnlyList<RunRecord>> ExecuteAsync(RunMessage message, List<RuleTraceEntry>? misses, bool replay, CancellationToken ct)
        => ExecuteAsync(message, misses, replay, kept: null, ct);

    /// <summary>
    /// As above; adds to <paramref name="kept"/> the records an earlier delivery left, which are returned as they were
    /// read: already written, they are not written again (that would set the rule's last run back to them).
    /// </summary>
    public Task<IReadOnlyList<RunRecord>> ExecuteAsync(RunMessage message, List<RuleTraceEntry>? misses, bool replay, HashSet<RunRecord>? kept, CancellationToken ct)
        => ExecuteAsync(message, misses, replay, kept, claims: null, ct);

    private async Task<IReadOnlyList<RunRecord>> ExecuteAsync(
        RunMessage message, List<RuleTraceEntry>? misses, bool replay, HashSet<RunRecord>? kept, RunClaims? claims, CancellationToken ct)
    {
        var records = new List<RunRecord>();
        // Every rule's run charges this too: a message runs each rule it fires with a budget of its own, so one event
        // reaching a tenant's 500 rules could render for 500 runs' budgets on one worker (TemplateBudget:MaxMessageUnits).
        var messageBudget = budgets.NewMessage();
        var evt = Read(message);
        if (evt is null)
        {
            LogUnreadable(logger, message.Source);
            records.Add(Record(message, message.RuleId ?? UnknownRule, 0, null, time.GetUtcNow(), time.GetTimestamp(), RunStatus.Failed, ErrorCategories.InternalError, []));
            return records;
        }

        IReadOnlyList<RuleHead> heads;
        try
        {
            heads = FreshIngressHeads(message) ?? await rules.ListHeadsForRunAsync(message.Tenant.Id, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return records; // the drain deadline before any rule started: nothing to record; the message runs again
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogCrash(logger, message.RuleId ?? UnknownRule, ex.GetType().Name);
            records.Add(Record(message, message.RuleId ?? UnknownRule, 0, evt, time.GetUtcNow(), time.GetTimestamp(), RunStatus.Failed, ErrorCategories.InternalError, []));
            return records;
        }

        foreach (var head in heads)
        {
            if (!head.Enabled || message.RuleId is not null && head.Id != message.RuleId)
            {
                await TraceDisabledAsync(message, head, evt, misses, ct);
                continue;
            }

            if (ct.IsCancellationRequested)
            {
                break; // later rules never started; the message runs again and they run then
            }

            RunRecord? earlier;
            var claimed = true;
            try
            {
                var fires = (replay || claims is not null) && await MayFireAsync(message, head, evt, ct);
                earlier = replay && fires ? await FinishedEarlierAsync(message, head.Id, ct) : null;
                if (earlier is null && fires && claims is not null)
                {
                    // After the record was read: a copy that finished wrote its record under a claim that is still
                    // live, so a copy that read no record before that write finds the claim and does not run the rule.
                    claimed = await ClaimAsync(message, head.Id, claims, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break; // as above: the records of the rules that ran are kept and given back with the message
            }

            if (earlier is not null)
            {
                records.Add(earlier);
                kept?.Add(earlier);
                continue;
            }

            if (!claimed)
            {
                continue; // another copy runs it now; this message goes back to the queue (ProcessAsync)
            }

            var startedAt = time.GetUtcNow();
            var started = time.GetTimestamp();
            try
            {
                if (await RunRuleAsync(message, head, evt, startedAt, started, misses, messageBudget, ct) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                records.Add(Record(message, head.Id, head.Version, evt, startedAt, started, RunStatus.Failed, ErrorCategories.Cancelled, []));
            }
            catch (Exception ex)
            {
                // A bug or an unexpected shape (an event whose issue is a string…): a failed record, never only a log line.
                LogCrash(logger, head.Id, ex.GetType().Name);
                records.Add(Record(message, head.Id, head.Version, evt, startedAt, started, RunStatus.Failed, ErrorCategories.InternalError, []));
            }
        }

        return records;
    }

    /// <summary>
    /// The record an earlier delivery of this message left for the rule, when that run finished; null to run it. Read
    /// tolerantly (<see cref="RunStore.GetAsync"/>): a record a later build wrote before a rollback says the rule ran too
    /// (before, the strict read threw, and the rule ran, and sent its calls, again).
    /// </summary>
    private async Task<RunRecord?> FinishedEarlierAsync(RunMessage message, string ruleId, CancellationToken ct)
    {
        try
        {
            return await runs.GetAsync(message.Tenant.Id, RunIds.For(message, ruleId), ct) is { } earlier && Finished(earlier)
                ? earlier
                : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null; // not known to have finished: run it (at least once)
        }
    }

    /// <summary>
    /// Claims the rule's run of the message; false when another copy holds a live claim on it, or when the claim could
    /// not be written (the store refused: the rule is not run unclaimed, the message returns to the queue and runs it
    /// then; the records of the rules that ran before are still written).
    /// </summary>
    private async Task<bool> ClaimAsync(RunMessage message, string ruleId, RunClaims claims, CancellationToken ct)
    {
        var runId = RunIds.For(message, ruleId);
        try
        {
            if (await runs.TryClaimAsync(message.Tenant.Id, runId, claims.Lease, ct))
            {
                claims.Held.Add(runId);
                return true;
            }

            LogClaimedElsewhere(logger, runId, ruleId);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            LogClaimFailed(logger, runId, ruleId, ex.GetType().Name);
        }

        claims.Refused = true;
        return false;
    }

    /// <summary>The claims one delivery of a message made (<see cref="ProcessAsync(RunMessage, bool, TimeSpan?, CancellationToken)"/>).</summary>
    private sealed class RunClaims(TimeSpan lease)
    {
        public TimeSpan Lease { get; } = lease;

        public List<string> Held { get; } = [];

        public bool Refused { get; set; }
    }

    /// <summary>
    /// Whether the rule's trigger fires for the message (read from its cached compiled version), so that only such a
    /// rule's record is read on a replay: the SQS worker replays every message (a copy of it may have run), and a read per
    /// enabled rule of the tenant would cost each event what the tenant stores. A rule that does not fire leaves no record
    /// to find. Unknown (the version could not be read) counts as firing: its record is read.
    /// </summary>
    private async Task<bool> MayFireAsync(RunMessage message, RuleHead head, JiraEvent evt, CancellationToken ct)
    {
        try
        {
            return await rules.LoadCompiledAsync(message.Tenant.Id, head, ct) is { } rule ? Fires(rule, message.Source, evt) : Reaches(message, head, evt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>
    /// How long the rule heads the ingress read for an event stand in for a fresh read of the rule list: the direct
    /// hand-off runs within milliseconds of the accept; anything older (a message that waited) reads the list again.
    /// </summary>
    public static readonly TimeSpan IngressHeadsMaxAge = TimeSpan.FromSeconds(1);

    private IReadOnlyList<RuleHead>? FreshIngressHeads(RunMessage message)
    {
        if (message.IngressHeads is not { } heads)
        {
            return null;
        }

        var age = time.GetUtcNow() - message.ReceivedAt;
        return age >= TimeSpan.Zero && age < IngressHeadsMaxAge ? heads : null;
    }

    /// <summary>
    /// The ingress accepts bodies nested up to 64 deep and may wrap one in its envelope (a webhook's body sits at
    /// <c>webhook.body</c>, two levels down): the worker reads every payload the ingress accepted, with room to spare.
    /// </summary>
    internal const int PayloadMaxDepth = 64 + 8;

    private static JiraEvent? Read(RunMessage message)
    {
        try
        {
            return JiraEvent.From(JsonNode.Parse(message.Payload, documentOptions: new JsonDocumentOptions { MaxDepth = PayloadMaxDepth }), out _);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<RunRecord?> RunRuleAsync(RunMessage message, RuleHead head, JiraEvent evt, DateTimeOffset startedAt, long started, List<RuleTraceEntry>? misses, RunBudget messageBudget, CancellationToken ct)
    {
        var sourceName = message.Source.ToString().ToLowerInvariant();
        var rule = await rules.LoadCompiledAsync(message.Tenant.Id, head, ct);
        if (rule is null)
        {
            // Not reached (a stale schedule rule and a Jira event): no record, as for any rule whose trigger the message
            // is not for; the schedule's tick says it cannot fire. Deleted since the list was read (its versions went
            // with it): no record either, as for a rule deleted before the event arrived. Only a rule that still exists,
            // that the message reaches, and that cannot be compiled is a failed run.
            return !Reaches(message, head, evt) || await rules.GetStoredHeadAsync(message.Tenant.Id, head.Id, ct) is null
                ? null
                : Record(message, head.Id, head.Version, evt, startedAt, started, RunStatus.Failed, ErrorCategories.RuleInvalid, []);
        }

        if (rule.Trigger.Check(message.Source, evt) is var check && check != TriggerCheck.Fires)
        {
            TraceMiss(misses, message, rule, evt, TraceStages.Trigger, check.Failed(), startedAt);
            return null;
        }

        var trace = JiraTrace.New(rule.Id, LoopGuard.GenerationAfter(message.Trace));
        long eventBytes = message.Payload.Length;
        if (message.Source == RunSource.Manual)
        {
            // The queued event names the issue only: read it now, for this run's memory only (see WithIssueAsync).
            await AcceptCommit.WaitAsync(ct); // a call to Jira: not before the event's accept committed
            var (loaded, category, issueBytes) = await WithIssueAsync(message, evt, trace, ct);
            if (loaded is null)
            {
                LogIssueUnreadable(logger, rule.Id, category!);
                return Record(message, rule.Id, rule.Version, evt, startedAt, started, RunStatus.Failed, category,
                    [.. rule.Steps.Select(s => StepRecord.NotRun(s, RunStatus.Skipped, null))]);
            }

            // The issue is part of the event this run holds: charged to the data budget as the queued payload is.
            eventBytes += issueBytes;
            if (eventBytes > runOptions.Value.MaxRunDataBytes)
            {
                LogIssueOverBudget(logger, rule.Id, issueBytes, runOptions.Value.MaxRunDataBytes);
                // Recorded with the issue Jira returned: its id (the issue panel's index) and its current key.
                return Record(message, rule.Id, rule.Version, loaded, startedAt, started, RunStatus.Failed, ErrorCategories.RunDataBudgetExceeded,
                    [.. rule.Steps.Select(s => StepRecord.NotRun(s, RunStatus.Skipped, null))]);
            }

            evt = loaded;
        }

        var scope = EventScope.Create(evt, sourceName);
        if (rule.UsesFieldNames)
        {
            await AcceptCommit.WaitAsync(ct); // the field list may be read from Jira
        }

        using var fieldNames = rule.UsesFieldNames ? (await fieldCatalog.GetAsync(message.Tenant, message.SystemToken, ct))?.Activate() : null;
        var run = new StepRun(message.Tenant, message.SystemToken, scope) { Trace = trace, EventKey = message.DedupKey ?? message.Id, RuleId = rule.Id };
        var budget = budgets.NewRun(messageBudget); // every render and condition of this run charges it (RunBudget.Current), and the message's
        using var activeBudget = budget.Activate();
        try
        {
            if (rule.Conditions is not null && !rule.Conditions.Evaluate(scope, out var failed))
            {
                TraceMiss(misses, message, rule, evt, TraceStages.Conditions, failed, startedAt);
                return null;
            }
        }
        catch (ConditionEvaluationException ex)
        {
            return Record(message, rule.Id, rule.Version, evt, startedAt, started, RunStatus.Failed, ex.Category, []);
        }

        if (await LoopStopAsync(message, rule, evt, ct) is { } loopStatus)
        {
            return Record(message, rule.Id, rule.Version, evt, startedAt, started, loopStatus, ErrorCategories.LoopStopped,
                [.. rule.Steps.Select(s => StepRecord.NotRun(s, RunStatus.Skipped, null))]);
        }

        // The step loop, control flow included, lives in StepSequence; it runs under this run's budget (activated above).
        // It also holds the run's data budget: the event (its queued payload's length) and what the steps keep.
        var data = new RunData(runOptions.Value.MaxRunDataBytes, eventBytes);
        var result = await new StepSequence(_executors, time, logger, rule.Id, data).RunAsync(rule.Steps, run, ct);
        return Record(message, rule.Id, rule.Version, evt, startedAt, started, result.Status, result.ErrorCategory, result.Records);
    }

    /// <summary>
    /// A manual run's event with its issue as Jira's "Get issue" returns it (<c>{id, key, fields…}</c>), read with the
    /// app's system token when the run starts, not when it was accepted: the queue row then holds the issue key only,
    /// and the issue's content lives in this run's memory, as an event's does. Null and an error category when the
    /// issue cannot be read (Jira's 404 is <see cref="ErrorCategories.JiraIssueNotFound"/>); the run then fails
    /// before its first step.
    /// </summary>
    private async Task<(JiraEvent? Event, string? Category, long Bytes)> WithIssueAsync(RunMessage message, JiraEvent evt, string trace, CancellationToken ct)
    {
        if (evt.IssueKey is not { } key || !JiraValues.IsIssueRef(key))
        {
            return (null, ErrorCategories.IssueMissing, 0);
        }

        var (issue, category, bytes) = await issues.ReadAsync(message.Tenant, message.SystemToken, key, trace, ct);
        if (issue is null)
        {
            return (null, category ?? ErrorCategories.InternalError, 0);
        }

        issue["key"] ??= key; // Jira's key wins: it answers a moved issue's old key with the issue under its new one
        var body = evt.Body.DeepClone().AsObject();
        body["issue"] = issue;
        return (JiraEvent.From(body, out _), null, bytes);
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

        await AcceptCommit.WaitAsync(ct); // the loop guard counts this rule's runs in the store

        if (LoopGuard.IsOwnEcho(message.Trace, rule.Id))
        {
            LogLoopStopped(logger, rule.Id, "the event carries the trace of its own write");
            return RunStatus.Skipped;
        }

        if (loops.ChainTooLong(LoopGuard.GenerationAfter(message.Trace)))
        {
            LogLoopStopped(logger, rule.Id, "it is the end of too long a chain of runs each caused by the previous one's Jira write");
            return RunStatus.Failed;
        }

        if (message.Source == RunSource.Event && (evt.IssueId ?? evt.IssueKey) is { } issue && JiraValues.IsIssueRef(issue)
            && !await loops.TryEnterAsync(message.Tenant.Id, rule.Id, issue, RunIds.For(message, rule.Id), ct))
        {
            LogLoopStopped(logger, rule.Id, "it ran too often on one issue within the loop window");
            return RunStatus.Failed;
        }

        return null;
    }

    /// <summary>Builds a run record (metadata only). Identifiers of an event with an unexpected shape are left out rather than throwing.</summary>
    public RunRecord Record(
        RunMessage? message, string ruleId, int version, JiraEvent? evt, DateTimeOffset startedAt, long started,
        string status, string? error, IReadOnlyList<StepRecord> steps)
    {
        var duration = (long)time.GetElapsedTime(started).TotalMilliseconds;
        var id = message is null ? Common.Ids.NewRunId(startedAt) : RunIds.For(message, ruleId);
        var source = message?.Source.ToString().ToLowerInvariant() ?? "unknown";
        var run = new RunRecord(id, ruleId, version, source, evt?.EventType, RecordedIssue.IdOf(evt), RecordedIssue.KeyOf(evt), startedAt, duration, status, error, steps);
        // Logged before the record is written, so anything that sees the run can also find its log line.
        LogRun(logger, run.Id, ruleId, version, status, duration);
        return run;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of rule {RuleId} v{RuleVersion} finished {Status} in {DurationMs} ms")]
    private static partial void LogRun(ILogger logger, string runId, string ruleId, int ruleVersion, string status, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of rule {RuleId} is claimed by another delivery of its message, which runs it now; not run here")]
    private static partial void LogClaimedElsewhere(ILogger logger, string runId, string ruleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming run {RunId} of rule {RuleId} failed with {ExceptionType}; not run here, its message returns to the queue")]
    private static partial void LogClaimFailed(ILogger logger, string runId, string ruleId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The manual run of rule {RuleId} could not read its issue from Jira ({ErrorCategory}); no step ran")]
    private static partial void LogIssueUnreadable(ILogger logger, string ruleId, string errorCategory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The manual run of rule {RuleId} read an issue of {IssueBytes} bytes, more than the run's data budget of {MaxRunDataBytes} bytes holds beside its event; no step ran")]
    private static partial void LogIssueOverBudget(ILogger logger, string ruleId, long issueBytes, long maxRunDataBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {RuleId} stopped as a loop: {Reason}")]
    private static partial void LogLoopStopped(ILogger logger, string ruleId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Source} message could not be read as an event; recorded as a failed run")]
    private static partial void LogUnreadable(ILogger logger, RunSource source);

    [LoggerMessage(Level = LogLevel.Error, Message = "The run of rule {RuleId} crashed with {ExceptionType}; recorded as internal_error")]
    private static partial void LogCrash(ILogger logger, string ruleId, string exceptionType);
}
