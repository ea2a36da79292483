using System.Diagnostics;

namespace BluBees.Bench.Throughput;

/// <summary>
/// Starts <c>count</c> operations at a fixed offered rate, whether or not earlier ones have been answered (open
/// loop): operation <c>i</c> starts at <c>i / rate</c> seconds after the first. A closed loop slows its sending
/// when the server slows, which hides queueing (coordinated omission); an open loop keeps offering the load, so the
/// answer times are what a sender at that rate sees. Timers fire about once a millisecond, so at rates above
/// 1,000/s operations start in small bunches on their due times.
/// </summary>
internal static class OpenLoopDriver
{
    public static async Task RunAsync(int count, double perSecond, Func<int, Task> operation)
    {
        var started = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond);
            var wait = due - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var index = i;
            inFlight.Add(Task.Run(() => operation(index)));
        }

        await Task.WhenAll(inFlight);
    }
}
