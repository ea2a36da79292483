using BluBees.Engine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Retention;

/// <summary>
/// Deletes expired items of the embedded store on a schedule of the injected clock: at start, then every
/// <see cref="RetentionOptions.PurgeInterval"/>. Does nothing on a store that expires items itself (DynamoDB TTL).
/// Each round also finishes uninstalls cut off part way (<see cref="Tenancy.TenantService.ResumeUninstallsAsync"/>).
/// </summary>
internal sealed partial class RetentionService(
    IStore store, TimeProvider time, IOptions<RetentionOptions> options, ILoggerFactory loggers, Tenancy.TenantService? tenants = null) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<RetentionService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is not IExpiredItemPurger purger)
        {
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

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Finished {TenantCount} uninstall(s) that had been cut off part way")]
    private static partial void UninstallsResumed(ILogger logger, int tenantCount);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Retention purge failed ({ExceptionType}); retrying at the next interval")]
    private static partial void PurgeFailed(ILogger logger, string exceptionType);
}
