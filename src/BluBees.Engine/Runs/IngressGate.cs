using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BluBees.Engine.Runs;

/// <summary>
/// Closes the ingress when the host starts stopping (SIGTERM → <see cref="IHostApplicationLifetime.ApplicationStopping"/>):
/// from then on every source answers 503 with Retry-After, so nothing is accepted that the draining worker would
/// not also keep durable. The moment it closes is logged once (operators, and the process tests, wait for it:
/// the host's own "shutting down" line may come before it).
/// </summary>
public sealed partial class IngressGate
{
    private readonly ILogger _logger;
    private int _closed;

    public IngressGate(IHostApplicationLifetime? lifetime = null, ILogger<IngressGate>? logger = null)
    {
        _logger = logger ?? NullLogger<IngressGate>.Instance;
        lifetime?.ApplicationStopping.Register(Close);
    }

    public bool Accepting => Volatile.Read(ref _closed) == 0;

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            LogClosed(_logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingress closed: new work is answered 503 with Retry-After while the worker drains")]
    private static partial void LogClosed(ILogger logger);
}
