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

    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting;
            }
        }
    }

    /// <summary>Takes a start in the current window, or waits for a later one; refused when the queue is full.</summary>
    public async ValueTask<RateDecision> StartAsync(CancellationToken ct)
    {
        var queued = false;
        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_gate)
                {
                    var now = time.GetUtcNow();
                    if (now >= _windowStart + Window)
                    {
                        (_windowStart, _started) = (now, 0);
                    }

                    if (_started < perSecond)
                    {
                        _started++;
                        return queued ? RateDecision.Waited : RateDecision.Immediate;
                    }

                    if (!queued)
                    {
                        if (_waiting >= queueLimit)
                        {
                            return RateDecision.Refused;
                        }

                        (_waiting, queued) = (_waiting + 1, true);
                    }

                    wait = _windowStart + Window - now;
                }

                await Task.Delay(wait, time, ct);
            }
        }
        finally
        {
            if (queued)
            {
                lock (_gate)
                {
                    _waiting--;
                }
            }
        }
    }
}

internal enum RateDecision
{
    Immediate,
    Waited,
    Refused,
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
