using System.Threading.RateLimiting;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// Requests started per one-second window, on the injected clock (the library's replenishing limiters read the
/// machine clock, which a test cannot drive). Callers over the limit wait for the next window, up to the queue limit.
/// </summary>
internal sealed class RequestRate(int perSecond, int queueLimit, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _started;
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>True when a start was granted now, false when it must wait; null when the queue is full.</summary>
    public bool? TryStart(out TimeSpan wait)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (now >= _windowStart + Window)
            {
                (_windowStart, _started) = (now, 0);
            }

            wait = _windowStart + Window - now;
            if (_started < perSecond)
            {
                _started++;
                return true;
            }

            return _waiting < queueLimit ? false : null;
        }
    }

    /// <summary>Waits for a start in a later window; false when the queue is full.</summary>
    public async ValueTask<bool> StartAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            while (true)
            {
                Interlocked.Decrement(ref _waiting);
                var granted = TryStart(out var wait);
                Interlocked.Increment(ref _waiting);
                if (granted is not false)
                {
                    return granted is true;
                }

                await Task.Delay(wait, time, ct);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }
}

/// <summary>A lease that was not granted: the rate queue was full.</summary>
internal sealed class RefusedLease : RateLimitLease
{
    public static readonly RefusedLease Instance = new();

    public override bool IsAcquired => false;

    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }
}
