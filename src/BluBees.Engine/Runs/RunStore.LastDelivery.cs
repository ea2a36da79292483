using BluBees.Engine.Common;
using BluBees.Engine.Execution;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// The records a message's last delivery writes before it runs (the SQS worker's last receive before the dead-letter
/// queue): the <c>delivery_exhausted</c> record a delivery given up leaves, written first, so that a process killed
/// mid-run leaves it; the run then overwrites it with its outcome (the same run id), and takes it back when the run
/// leaves no record for the rule (its conditions did not match).
/// </summary>
public sealed partial class RunStore
{
    /// <summary>
    /// Writes <paramref name="run"/> unless the rule's record says it finished (<see cref="RunProcessor.Finished"/>).
    /// The record is written only if it is still the one read (a conditional write), so a copy of the message that
    /// finishes the rule meanwhile keeps its record. Returns whether it was written.
    /// </summary>
    public async Task<bool> WriteUnlessFinishedAsync(TenantId tenantId, RunRecord run, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var read = await partition.GetAsync(Keys.Run(run.Id), ct);
        if (read is not null && (StoredJson.ReadTolerant<RunRecord>(read.Data) is not { } earlier || RunProcessor.Finished(earlier)))
        {
            return false;
        }

        // The rule's last run is read before the record is written and written only if still as read: a run of the
        // rule that finishes between this write and that one (another copy's invocation holding the rule's claim)
        // writes its record and then its last run, and this write must not set the last run back to delivery_exhausted
        // after it (the rule list would contradict the run's record).
        var lastRun = await partition.GetAsync(Keys.LastRun(run.RuleId), ct);
        var items = Items(tenantId, run); // the record first, then its issue pointer and the rule's last run
        if (!await partition.PutIfRevisionAsync(items[0], read?.Revision ?? 0, ct))
        {
            return false;
        }

        foreach (var item in items.Skip(1))
        {
            if (item.Sk == Keys.LastRun(run.RuleId))
            {
                await partition.PutIfRevisionAsync(item, lastRun?.Revision ?? 0, ct);
            }
            else
            {
                await partition.PutAsync(item, ct);
            }
        }

        return true;
    }

    /// <summary>
    /// Takes back a record <see cref="WriteUnlessFinishedAsync"/> wrote when the run that followed left none for the
    /// rule (it did not fire, or its conditions did not match): the record, its issue pointer, and the rule's last run,
    /// set back to <paramref name="before"/> (if it still points at this run). A record the run rewrote is kept.
    /// </summary>
    public async Task RemoveUnrunAsync(TenantId tenantId, RunRecord run, LastRun? before, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        if (await partition.GetAsync(Keys.Run(run.Id), ct) is not { } read
            || StoredJson.ReadTolerant<RunRecord>(read.Data) is not { Status: RunStatus.Failed, ErrorCategory: ErrorCategories.DeliveryExhausted }
            || !await partition.DeleteIfRevisionAsync(Keys.Run(run.Id), read.Revision, ct))
        {
            return; // the run wrote its outcome over it
        }

        if (run.IssueId is { } issueId && IsIssueId(issueId))
        {
            await partition.DeleteAsync(Keys.IssueRun(issueId, run.Id), ct);
        }

        if (await LastRunAsync(tenantId, run.RuleId, ct) is { } last && last.Id == run.Id)
        {
            if (before is null)
            {
                await partition.DeleteAsync(Keys.LastRun(run.RuleId), ct);
            }
            else
            {
                var now = time.GetUtcNow();
                var expires = (before.StartedAt < now ? before.StartedAt : now).Add(Retention).ToUnixTimeSeconds();
                await partition.PutAsync(Keys.LastRun(run.RuleId), StoredJson.Write(before), expires, ct);
            }
        }
    }
}
