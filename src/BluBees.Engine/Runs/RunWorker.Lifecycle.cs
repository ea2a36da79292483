using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>
/// The worker's part in the host's lifecycle: the consumer lock taken before any hosted service starts (a second backend
/// on the same file refuses to start), and the drain at shutdown (stop claiming and accepting, let in-flight runs finish
/// up to <see cref="Execution.RunOptions.DrainSeconds"/>, cancel the rest, which stay queued).
/// </summary>
public sealed partial class RunWorker
{
    /// <summary>The drain: stop claiming and accepting, wait for in-flight runs up to the deadline, leave the rest durable.</summary>
    public override Task StopAsync(CancellationToken cancellationToken) => DrainOnceAsync(cancellationToken);

    // The host calls StoppingAsync on every lifecycle service before it stops any hosted service, the web server
    // included (the server, started last, is stopped first). Draining there keeps the server listening for the whole
    // drain, so ingress answers 503 with Retry-After instead of refusing connections.
    Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken) => DrainOnceAsync(cancellationToken);

    // Before any hosted service starts (the web server included): a second backend on the same file refuses to start.
    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken)
    {
        HoldConsumerLock();
        return Task.CompletedTask;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        HoldConsumerLock();
        return base.StartAsync(cancellationToken);
    }

    private void HoldConsumerLock()
    {
        lock (_drainLock)
        {
            _consumer ??= queue.TakeConsumerLock();
        }
    }

    private void ReleaseConsumerLock()
    {
        lock (_drainLock)
        {
            _consumer?.Dispose();
            _consumer = null;
        }
    }

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task DrainOnceAsync(CancellationToken cancellationToken)
    {
        lock (_drainLock)
        {
            return _drain ??= DrainAsync(cancellationToken);
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        queue.Attach(null);
        gate.Close();
        queue.Wake();
        await base.StopAsync(cancellationToken);
        var pending = _inFlight.Values.Select(r => r.Run).ToArray();
        var all = Task.WhenAll(pending);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(_options.DrainSeconds), time, cancellationToken));
        var finished = pending.Count(t => t.IsCompleted);
        if (!all.IsCompleted)
        {
            await _runs.CancelAsync();
            // Cancelled runs record "cancelled" and give their message back; that takes moments, not the deadline.
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
        }

        long left;
        try
        {
            left = queue.Stats().Depth;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            left = pending.Length - finished;
        }

        metrics.DrainOutcome("completed", finished);
        metrics.DrainOutcome("left_durable", left);
        LogDrained(logger, finished, left);
        ReleaseConsumerLock();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain: {Finished} in-flight run(s) finished; {Left} message(s) left durable in the queue")]
    private static partial void LogDrained(ILogger logger, int finished, long left);
}
