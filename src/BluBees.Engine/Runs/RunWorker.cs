using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Runs;

/// <summary>Reads the in-process queue and executes runs with bounded concurrency.</summary>
public sealed partial class RunWorker(InProcessRunQueue queue, IServiceProvider services, IOptions<RunOptions> options, ILogger<RunWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Parallel.ForEachAsync(
            queue.Reader.ReadAllAsync(stoppingToken),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.WorkerConcurrency, CancellationToken = stoppingToken },
            async (message, ct) =>
            {
                try
                {
                    await services.GetRequiredService<IRunProcessor>().ProcessAsync(message, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The processor records failures itself; this is a last fence. Only the type is logged:
                    // an exception message could quote data.
                    LogCrash(logger, ex.GetType().Name);
                }
            });

    [LoggerMessage(Level = LogLevel.Error, Message = "Run processing crashed with {ExceptionType}")]
    private static partial void LogCrash(ILogger logger, string exceptionType);
}
