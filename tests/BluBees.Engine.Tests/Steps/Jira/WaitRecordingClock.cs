using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells which waits the code under test starts on it (each timer with a due
/// time), so a test can move the clock by exactly the wait asked for, once it is pending, instead of racing real time.
/// </summary>
internal sealed class WaitRecordingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _waits.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>The due time of the next wait started on this clock; fails if <paramref name="work"/> ends without one.</summary>
    public async Task<TimeSpan> NextWaitAsync(Task work)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var next = _waits.Reader.ReadAsync(guard.Token).AsTask();
        await Task.WhenAny(next, work);
        Assert.That(next.IsCompletedSuccessfully, Is.True, "the work waited on the clock (it did not end first, nor hang past the 30 s guard)");
        return await next;
    }
}
