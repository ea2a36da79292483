using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Retention;

/// <summary>One purge: expired items deleted in bounded batches until none is left, then the file compacted.</summary>
internal sealed partial class RetentionPurger(IExpiredItemPurger purger, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionPurger> logger)
{
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

        if (total > 0)
        {
            await purger.CompactAsync(ct);
            Purged(logger, total);
        }

        return total;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Retention purge deleted {Count} expired items")]
    private static partial void Purged(ILogger logger, int count);
}
