using BluBees.Engine.Runs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Harness;

/// <summary>Stopping a backend whose clock is a <see cref="FakeTimeProvider"/> that nothing else moves.</summary>
public sealed partial class BackendHost
{
    /// <summary>How far the clock moves per step while the backend stops, and how often (real time).</summary>
    private static readonly TimeSpan ClockStep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StepEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Stops and disposes the backend, moving <paramref name="clock"/> (the backend's own) on while it stops, as time
    /// passes while a real backend drains. The drain waits for in-flight runs up to <c>Runs:DrainSeconds</c> on the
    /// backend's clock, and a run may wait on it too (a retry's delay, a rate window, a finish's retry): on a clock that
    /// nothing moves, such a run kept the drain waiting until the host's shutdown timeout (<c>DrainSeconds</c> + 10 s =
    /// 30 s of real time) cut the stop, so a class's teardown took 30 s whenever its last tests left a run behind
    /// (WebhookAdminTests, WebhookReadCostTests: the Webhooks namespace's wall time varied in 30 s steps). A run must
    /// still end: one left in flight after the drain has cancelled it is a hang, and fails here (bounded) instead of
    /// being waited out quietly.
    /// </summary>
    public async ValueTask DisposeAsync(FakeTimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (!ReferenceEquals(Services.GetRequiredService<TimeProvider>(), clock))
        {
            throw new ArgumentException("Not this backend's clock.", nameof(clock));
        }

        Client.Dispose();
        var worker = Services.GetServices<IHostedService>().OfType<RunWorker>().SingleOrDefault();
        var stopping = _app.StopAsync();
        while (!stopping.IsCompleted)
        {
            clock.Advance(ClockStep);
            await Task.WhenAny(stopping, Task.Delay(StepEvery));
        }

        try
        {
            await stopping;
            if (worker is not null)
            {
                // The drain cancels what is still running after its deadline and gives it a few seconds (real time) to
                // wind down; a run still in flight after that never honoured its cancellation.
                Assert.That(await Waits.UntilAsync(() => Task.FromResult(worker.InFlight), n => n == 0), Is.Zero, "a run still in flight after the drain cancelled it");
            }
        }
        finally
        {
            await DisposeStoppedAsync();
        }
    }
}
