using BluBees.Engine.Events;
using BluBees.Engine.Execution;
using BluBees.Engine.Rules;

namespace BluBees.Engine.Runs;

/// <summary>
/// The records of a message that does not run (again): too many deliveries, too old, unreadable, or cut off by the
/// embedded worker's run deadline. One record per rule the message targets, so every accepted event leaves its records.
/// </summary>
public sealed partial class RunProcessor
{
    /// <summary>
    /// <see cref="ExhaustedAsync"/> for the embedded worker, which writes these records over whatever the message left:
    /// a rule an earlier delivery finished (a drain gave the message back with its record) keeps that record — it ran —
    /// and only the rules that were cut off or never reached become <c>delivery_exhausted</c>. Adds to
    /// <paramref name="kept"/> the finished records, returned as they were read: already written, they are not written
    /// again (that set the rule's last run back to them, after a newer run of the rule).
    /// </summary>
    public async Task<IReadOnlyList<RunRecord>> ExhaustedKeepingFinishedAsync(RunMessage? message, string? ruleId, HashSet<RunRecord>? kept, CancellationToken ct)
    {
        var records = await ExhaustedAsync(message, ruleId, ct);
        if (message is null)
        {
            return records;
        }

        var result = new List<RunRecord>(records.Count);
        foreach (var record in records)
        {
            if (await FinishedEarlierAsync(message, record.RuleId, ct) is { } earlier)
            {
                result.Add(earlier);
                kept?.Add(earlier);
            }
            else
            {
                result.Add(record);
            }
        }

        return result;
    }

    /// <summary>
    /// Whether a stored run record is its rule's outcome: not a run cut off (<c>cancelled</c>: a drain, or the SQS
    /// worker's run deadline, gave the message back to run again) and not a delivery given up (<c>delivery_exhausted</c>),
    /// which a later delivery of the message replaces. A replay does not run a rule whose record is finished, and a
    /// message given up keeps such a record instead of writing <c>delivery_exhausted</c> over it.
    /// </summary>
    public static bool Finished(RunRecord record)
        => !(record.Status == RunStatus.Failed && record.ErrorCategory is ErrorCategories.Cancelled or ErrorCategories.DeliveryExhausted);

    /// <summary>
    /// The records of a message the embedded worker's run deadline cut off: the rule it stopped (recorded
    /// <c>cancelled</c> by <see cref="ExecuteAsync(RunMessage, List{RuleTraceEntry}?, bool, CancellationToken)"/>) and
    /// every rule the event targets that it never reached become <c>run_deadline_exceeded</c>; the records of the rules
    /// that finished are kept.
    /// </summary>
    public async Task<IReadOnlyList<RunRecord>> DeadlineExceededAsync(RunMessage message, IReadOnlyList<RunRecord> records, CancellationToken ct)
    {
        var result = records
            .Select(r => r is { Status: RunStatus.Failed, ErrorCategory: ErrorCategories.Cancelled } ? r with { ErrorCategory = ErrorCategories.RunDeadlineExceeded } : r)
            .ToList();
        foreach (var target in await ExhaustedAsync(message, message.RuleId, ct))
        {
            if (!result.Exists(r => string.Equals(r.RuleId, target.RuleId, StringComparison.Ordinal)))
            {
                result.Add(target with { ErrorCategory = ErrorCategories.RunDeadlineExceeded });
            }
        }

        return result;
    }

    /// <summary>
    /// The records of a message that is not run again (too many deliveries, too old, unreadable): one failed record
    /// per rule it targets (its rule, or the tenant's enabled rules whose trigger it fires), or one for the rule
    /// <c>unknown</c> when the message could not be opened at all (or the rule list could not be read). A message that
    /// targets no rule any more (its rules disabled or deleted while it waited) leaves no record, as its run would not.
    /// </summary>
    public async Task<IReadOnlyList<RunRecord>> ExhaustedAsync(RunMessage? message, string? ruleId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var started = time.GetTimestamp();
        if (message is null || Read(message) is not { } evt)
        {
            return [Record(message, ruleId ?? UnknownRule, 0, null, now, started, RunStatus.Failed, ErrorCategories.DeliveryExhausted, [])];
        }

        var records = new List<RunRecord>();
        var listed = false;
        try
        {
            // Bookkeeping, not a run: a head a later build wrote is taken member by member (as the admin routes read it),
            // so the message's records name its rules; before, the strict read threw and left one record for "unknown".
            foreach (var head in (await rules.ListStoredHeadsAsync(message.Tenant.Id, ct)).Select(h => h.Head))
            {
                if (!head.Enabled || message.RuleId is not null && head.Id != message.RuleId)
                {
                    continue;
                }

                var rule = await rules.LoadCompiledAsync(message.Tenant.Id, head, ct);
                if (rule is null ? Reaches(message, head, evt) : Fires(rule, message.Source, evt))
                {
                    records.Add(Record(message, head.Id, head.Version, evt, now, started, RunStatus.Failed, ErrorCategories.DeliveryExhausted, []));
                }
            }

            listed = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCrash(logger, ruleId ?? UnknownRule, ex.GetType().Name);
        }

        // Listed and no rule targets it (disabled or deleted meanwhile): no record, as a run would leave none. Only a
        // list that could not be read leaves the one record that says the event was lost.
        return records.Count > 0 || listed ? records : [Record(message, message.RuleId ?? UnknownRule, 0, evt, now, started, RunStatus.Failed, ErrorCategories.DeliveryExhausted, [])];
    }

    /// <summary>
    /// For a rule whose version does not compile, read from its head alone: whether the message could be for it (it
    /// names the rule, or the rule's trigger type is the message's source and, for a webhook, its hook the message's).
    /// </summary>
    private static bool Reaches(RunMessage message, RuleHead head, JiraEvent evt)
    {
        if (message.RuleId is not null)
        {
            return message.RuleId == head.Id;
        }

        if (!string.Equals(head.TriggerType, message.Source.ToString(), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            return message.Source != RunSource.Webhook || evt.WebhookId == head.WebhookId;
        }
        catch (InvalidOperationException)
        {
            return true; // a shape that cannot be read: recorded, as before
        }
    }

    private static bool Fires(CompiledRule rule, RunSource source, JiraEvent evt)
    {
        try
        {
            return rule.Trigger.Matches(source, evt, out _);
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }
}
