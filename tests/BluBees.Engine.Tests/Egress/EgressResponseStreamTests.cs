using BluBees.Engine.Egress;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>The body limits on a fake clock: no sleeping.</summary>
public sealed class EgressResponseStreamTests
{
    [Test]
    public async Task ADripBelowTheMinimumRateFailsOnceTheGracePeriodIsOver()
    {
        var time = new FakeTimeProvider();
        var limits = new ReadLimits(Cap: 1000, IdleTimeout: TimeSpan.FromSeconds(10), MinBytesPerSecond: 10, GracePeriod: TimeSpan.FromSeconds(5));
        await using var stream = new EgressResponseStream(new DripStream(time, TimeSpan.FromSeconds(1)), limits, time, default, default);
        var buffer = new byte[16];

        for (var i = 0; i < 5; i++)
        {
            Assert.That(await stream.ReadAsync(buffer), Is.EqualTo(1), "within the grace period");
        }

        var error = await Assert.ThrowsAsync<EgressStreamException>(() => stream.ReadAsync(buffer).AsTask());
        Assert.That(error!.Failure, Is.EqualTo(EgressFailure.Timeout));
        Assert.That(stream.BytesRead, Is.EqualTo(6));
    }

    [Test]
    public async Task ASilentBodyFailsAfterTheIdleTimeout()
    {
        var time = new FakeTimeProvider();
        var limits = new ReadLimits(Cap: 1000, IdleTimeout: TimeSpan.FromSeconds(10), MinBytesPerSecond: 0, GracePeriod: TimeSpan.Zero);
        await using var stream = new EgressResponseStream(new SilentStream(), limits, time, default, default);

        var read = stream.ReadAsync(new byte[16]).AsTask();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(read.IsCompleted, Is.False);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<EgressStreamException>(async () => await read);
        Assert.That(error!.Failure, Is.EqualTo(EgressFailure.Timeout));
    }

    [Test]
    public async Task NeverAsksForMoreThanOneBytePastTheCap()
    {
        var limits = new ReadLimits(Cap: 10, IdleTimeout: TimeSpan.FromSeconds(10), MinBytesPerSecond: 0, GracePeriod: TimeSpan.Zero);
        await using var stream = new EgressResponseStream(new MemoryStream(new byte[100]), limits, TimeProvider.System, default, default);

        var error = await Assert.ThrowsAsync<EgressStreamException>(() => stream.ReadAsync(new byte[64]).AsTask());

        Assert.That(error!.Failure, Is.EqualTo(EgressFailure.TooLarge));
        Assert.That(stream.BytesRead, Is.EqualTo(11));
    }

    /// <summary>One byte per read, the clock moving on by <c>step</c> each time.</summary>
    private sealed class DripStream(FakeTimeProvider time, TimeSpan step) : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            time.Advance(step);
            buffer.Span[0] = (byte)'x';
            return ValueTask.FromResult(1);
        }
    }

    private sealed class SilentStream : MemoryStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}

/// <summary>The operator defaults against a slow drip: cut long before an attempt deadline.</summary>
public sealed class SlowDripDefaultsTests
{
    [Test]
    public async Task AHundredBytesPerSecondBodyIsCutSoonAfterTheGracePeriodWithTheDefaults()
    {
        var time = new FakeTimeProvider();
        var options = new EgressOptions();
        await using var stream = new EgressResponseStream(new HundredBytesPerSecond(time), ReadLimits.From(options, options.MaxResponseBytes), time, default, default);
        var buffer = new byte[256];
        var started = time.GetTimestamp();

        var error = await Assert.ThrowsAsync<EgressStreamException>(async () =>
        {
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        });

        Assert.That(error!.Failure, Is.EqualTo(EgressFailure.Timeout));
        Assert.That(time.GetElapsedTime(started), Is.LessThanOrEqualTo(options.MinRateGracePeriod + TimeSpan.FromSeconds(1)));
        Assert.That(time.GetElapsedTime(started), Is.LessThan(options.DefaultTimeout / 2), "well before the attempt deadline");
    }

    /// <summary>10 bytes every 100 ms of fake time: 100 B/s for ever.</summary>
    private sealed class HundredBytesPerSecond(FakeTimeProvider time) : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            buffer.Span[..10].Fill((byte)'x');
            return ValueTask.FromResult(10);
        }
    }
}
