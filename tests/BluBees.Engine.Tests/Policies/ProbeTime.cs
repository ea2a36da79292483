using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// A fake clock that reports every one-shot timer it creates, so a test can wait until the code under test has
/// scheduled a delay (a retry backoff, a Retry-After) and then advance exactly past it. No sleeping.
/// </summary>
internal sealed class ProbeTime(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _delays = Channel.CreateUnbounded<TimeSpan>();

    /// <summary>Only delays shorter than this count: the guard's connect and read timeouts (10 s and more) are not delays.</summary>
    public TimeSpan DelayCeiling { get; set; } = TimeSpan.FromSeconds(9);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan && dueTime > TimeSpan.Zero && dueTime < DelayCeiling)
        {
            _delays.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Waits for the next scheduled delay and returns it, without advancing.</summary>
    public async Task<TimeSpan> NextDelayAsync()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _delays.Reader.ReadAsync(guard.Token);
    }

    /// <summary>Waits for the next scheduled delay, advances the clock past it, and returns it.</summary>
    public async Task<TimeSpan> SkipNextDelayAsync()
    {
        var delay = await NextDelayAsync();
        Advance(delay);
        return delay;
    }

    public bool HasPendingDelay => _delays.Reader.Count > 0;
}
