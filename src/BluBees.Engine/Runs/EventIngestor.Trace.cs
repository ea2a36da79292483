using System.Collections.Concurrent;
using BluBees.Engine.Events;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Triggers;
using BluBees.Engine.Runs.Trace;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Logging;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>
/// "Why didn't my rule run?" at the ingress: an event that no enabled rule's trigger fires is not queued, so the
/// rules it reached (their trigger listens to its type, a filter failed, or they are disabled) get their trace
/// entries here. Once any rule's trigger fires, the event is queued and the worker records every rule's outcome.
/// </summary>
public sealed partial class EventIngestor
{
    /// <summary>
    /// The tenants with a filtered event's trace write in flight (at most one each; an entry lives only while its write
    /// does, so this holds no more entries than writes in flight).
    /// </summary>
    private readonly ConcurrentDictionary<TenantId, byte> _traceWrites = new();

    /// <summary>Checks the trigger; adds the entry of a failed filter. Returns whether the trigger does NOT fire.</summary>
    private bool TraceTrigger(CompiledRule rule, JiraEvent evt, List<RuleTraceEntry> misses)
    {
        var check = rule.Trigger.Check(RunSource.Event, evt);
        if (check == TriggerCheck.Fires)
        {
            return false;
        }

        if (check.Failed() is not null && RuleMisses.Before(RunSource.Event, null, rule, enabled: true, evt, time.GetUtcNow()) is { } entry)
        {
            misses.Add(entry);
        }

        return true;
    }

    private async Task TraceDisabledAsync(TenantId tenantId, RuleHead head, JiraEvent evt, List<RuleTraceEntry> misses, CancellationToken ct)
    {
        try
        {
            if (await rules.LoadCompiledAsync(tenantId, head, ct) is { } rule
                && RuleMisses.Before(RunSource.Event, null, rule, enabled: false, evt, time.GetUtcNow()) is { } entry)
            {
                misses.Add(entry);
            }
        }
        catch (InvalidOperationException)
        {
            // An event shape the trigger cannot read: nothing to explain (the rule is disabled either way).
        }
    }

    /// <summary>
    /// Writes the entries of a filtered event: one small put per rule it reached, best effort (a failure is logged
    /// by type and the event is still acknowledged). The slot comes from the message id the event would have had,
    /// so Forge's retry of the same event rewrites its entries instead of adding more. A filtered event is never
    /// queued, so the queue's per-tenant share does not bound these writes: at most one per tenant is in flight, and
    /// an event whose tenant already has one skips its trace (counted, <c>blubees.ingress.trace_skipped</c>) instead
    /// of waiting — a flood of one tenant's filtered events then holds the store's write lock (SQLite) at most once
    /// at a time, whatever the others do.
    /// </summary>
    private async Task TraceFilteredAsync(TenantId tenantId, JiraEvent evt, List<RuleTraceEntry> misses)
    {
        if (misses.Count == 0)
        {
            return;
        }

        if (!_traceWrites.TryAdd(tenantId, 0))
        {
            metrics.FilteredTraceSkipped();
            return;
        }

        try
        {
            var messageId = RunIds.MessageFor(tenantId, DedupKey(evt));
            await runs.WriteTraceAsync(tenantId, [.. misses.Select(m => m with { MessageId = messageId })], CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogTraceFailed(logger, ex.GetType().Name);
        }
        finally
        {
            _traceWrites.TryRemove(tenantId, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The trace of a filtered event could not be written: {ExceptionType}")]
    private static partial void LogTraceFailed(ILogger logger, string exceptionType);
}
