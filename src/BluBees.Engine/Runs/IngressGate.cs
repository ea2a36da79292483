using Microsoft.Extensions.Hosting;

namespace BluBees.Engine.Runs;

/// <summary>
/// Closes the ingress when the host starts stopping (SIGTERM → <see cref="IHostApplicationLifetime.ApplicationStopping"/>):
/// from then on every source answers 503 with Retry-After, so nothing is accepted that the draining worker would
/// not also keep durable.
/// </summary>
public sealed class IngressGate
{
    private volatile bool _closed;

    public IngressGate(IHostApplicationLifetime? lifetime = null)
        => lifetime?.ApplicationStopping.Register(Close);

    public bool Accepting => !_closed;

    public void Close() => _closed = true;
}
