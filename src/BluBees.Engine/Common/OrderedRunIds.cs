namespace BluBees.Engine.Common;

/// <summary>
/// Time-ordered ids (<see cref="Ids.NewRunId"/>) that this instance hands out in strictly increasing order: an id made
/// in the same millisecond as the previous one takes the next millisecond, so "newest first" holds for two made in
/// one millisecond (two support grants on a fast machine came back in random order). One per store (a singleton);
/// never static, so a test's fake clock cannot push another backend's ids into the future.
/// </summary>
public sealed class OrderedRunIds
{
    private long _lastMs = long.MinValue;

    public string Next(DateTimeOffset now) => Ids.NewRunId(NextTime(now));

    private DateTimeOffset NextTime(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Volatile.Read(ref _lastMs);
            var next = Math.Max(ms, last + 1);
            if (Interlocked.CompareExchange(ref _lastMs, next, last) == last)
            {
                return DateTimeOffset.FromUnixTimeMilliseconds(next);
            }
        }
    }
}
