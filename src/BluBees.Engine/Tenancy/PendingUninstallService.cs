using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Finishes the embedded store's uninstalls that answered before their deletion was done (<see cref="PendingUninstalls"/>):
/// at start (those a crash, kill or restart left), when an uninstall hands one over, and every
/// <see cref="Interval"/> until each is finished (the write lock held longer than a statement waits for it).
/// </summary>
internal sealed partial class PendingUninstallService(PendingUninstalls pending, TenantService tenants, TimeProvider time, ILogger<PendingUninstallService> logger)
    : BackgroundService
{
    /// <summary>How often the recorded uninstalls are tried again while any is left.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // the host's start does not wait for a first deletion
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var tenant in pending.List())
            {
                try
                {
                    await tenants.FinishPendingUninstallAsync(tenant, stoppingToken);
                    Finished(logger);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Failed(logger, ex.GetType().Name);
                }
            }

            try
            {
                await pending.WaitAsync(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "A pending uninstall finished: the tenant's data and data key are deleted")]
    private static partial void Finished(ILogger logger);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Warning, Message = "A pending uninstall could not finish now ({ExceptionType}); retrying")]
    private static partial void Failed(ILogger logger, string exceptionType);
}
