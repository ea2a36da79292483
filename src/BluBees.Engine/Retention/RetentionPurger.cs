using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Retention;

/// <summary>
/// One purge: expired items deleted in bounded batches until none is left, then the file compacted (rebuilt when due)
/// and its WAL truncated.
/// </summary>
internal sealed partial class RetentionPurger(IExpiredItemPurger purger, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionPurger> logger)
{
    private DateTimeOffset? _lastRebuild;

    /// <summary>Returns how many items were deleted.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var batch = options.Value.BatchSize;
        var total = 0;
        int deleted;
        do
        {
            deleted = await purger.DeleteExpiredAsync(now, batch, ct);
            total += deleted;
        }
        while (deleted == batch);

        // Expired rows deleted: the file is rebuilt (at most once per RebuildInterval), since a b-tree rebalance may have
        // left stale copies of them in pages' unallocated space, which secure_delete does not zero (ExpiredResidueTests).
        if (total > 0 && (_lastRebuild is not { } last || now - last >= options.Value.RebuildInterval || now < last))
        {
            purger.RebuildAtNextPurge();
            _lastRebuild = now;
        }

        // Every purge compacts and truncates the WAL, one that deleted nothing too: an erase that gave up behind a
        // reader on an old snapshot (an uninstall's, a deleted secret's) is finished here, and the WAL frames of
        // deleted rows (finished runs' queued messages among them) do not outlive one interval. Before, only a purge
        // that deleted an expired item did, so on a quiet store an uninstalled tenant's wrapped data key stayed in
        // the -wal until the backend stopped (EraseGivenUpTests).
        await purger.CompactAsync(ct);
        if (total > 0)
        {
            Purged(logger, total);
        }

        return total;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Retention purge deleted {Count} expired items")]
    private static partial void Purged(ILogger logger, int count);
}
