using BluBees.Engine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Retention;

/// <summary>
/// Deletes expired items of the embedded store on a schedule of the injected clock: at start, then every
/// <see cref="RetentionOptions.PurgeInterval"/>. On a store that expires items itself (DynamoDB TTL) it only erases the
/// SQLite run queue's file, when that queue is in use in a file of its own (<see cref="EraseQueueFileAsync"/>).
/// Each round also finishes uninstalls cut off part way (<see cref="Tenancy.TenantService.ResumeUninstallsAsync"/>) and
/// deletes every tenant's secret key shares that no stored secret names (<see cref="Crypto.TenantKeyService.SweepSecretSharesAsync"/>):
/// those of secrets an earlier release deleted or replaced after a rollback (it does not know the shares), and those a
/// crash left between a write and its share's delete. Before, only the tenant's next delete or replacement of a secret
/// swept them, so after a rollback and a new upgrade a secret the earlier release deleted stayed openable from an old
/// copy of the database for as long as the tenant deleted nothing else.
/// </summary>
internal sealed partial class RetentionService(
    IStore store, TimeProvider time, IOptions<RetentionOptions> options, ILoggerFactory loggers, Tenancy.TenantService? tenants = null,
    Crypto.TenantKeyService? keys = null, Runs.SqliteRunQueue? queue = null) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<RetentionService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is not IExpiredItemPurger purger)
        {
            // The store expires items itself (DynamoDB), but the SQLite run queue may still be in use, in a file of its
            // own: its WAL keeps the frames of finished runs' messages (ciphertext under the tenant's live data key) and
            // nothing else truncates it (OwnQueueFileResidueTests).
            if (queue is { SharesStore: false })
            {
                await EraseQueueFileAsync(queue, stoppingToken);
            }

            return;
        }

        var purge = new RetentionPurger(purger, time, options, loggers.CreateLogger<RetentionPurger>());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await purge.PurgeAsync(stoppingToken);
                if (tenants is not null && await tenants.ResumeUninstallsAsync(stoppingToken) is > 0 and var resumed)
                {
                    UninstallsResumed(_logger, resumed);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // The next round retries; expired items stay hidden from every read meanwhile.
                PurgeFailed(_logger, ex.GetType().Name);
            }

            await SweepSecretSharesAsync(stoppingToken);

            try
            {
                await Task.Delay(options.Value.PurgeInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Every <see cref="RetentionOptions.PurgeInterval"/>, at start too: the queue's own file has its WAL erased, and is
    /// rebuilt at most once per <see cref="RetentionOptions.RebuildInterval"/> (stale copies of deleted rows).
    /// </summary>
    private async Task EraseQueueFileAsync(Runs.SqliteRunQueue own, CancellationToken stoppingToken)
    {
        DateTimeOffset? lastRebuild = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var rebuild = lastRebuild is not { } last || now - last >= options.Value.RebuildInterval || now < last;
            try
            {
                if (await own.EraseOwnFileAsync(rebuild, stoppingToken) && rebuild)
                {
                    lastRebuild = now;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                PurgeFailed(_logger, ex.GetType().Name); // the next round tries again
            }

            try
            {
                await Task.Delay(options.Value.PurgeInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SweepSecretSharesAsync(CancellationToken ct)
    {
        if (keys is null || store is not IDataKeyScan scan)
        {
            return;
        }

        try
        {
            await foreach (var tenant in scan.TenantsWithDataKeyAsync(ct))
            {
                await keys.SweepSecretSharesAsync(tenant, ct); // logs its own count (event 3105)
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            SweepFailed(_logger, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Sweep of unused secret key shares failed ({ExceptionType}); retrying at the next interval")]
    private static partial void SweepFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Finished {TenantCount} uninstall(s) that had been cut off part way")]
    private static partial void UninstallsResumed(ILogger logger, int tenantCount);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Retention purge failed ({ExceptionType}); retrying at the next interval")]
    private static partial void PurgeFailed(ILogger logger, string exceptionType);
}
