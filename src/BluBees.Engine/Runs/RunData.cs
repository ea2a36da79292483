namespace BluBees.Engine.Runs;

/// <summary>
/// The bytes of JSON one run holds in memory (<c>Runs:MaxRunDataBytes</c>): its event, the outputs its steps keep in
/// scope, and the scope copies of its parallel loops' workers. Counted from byte counts the steps already have (an
/// answer's length), never by serializing. Thread-safe: a parallel loop's workers share it.
/// </summary>
internal sealed class RunData
{
    private long _held;

    /// <param name="max">The budget.</param>
    /// <param name="eventBytes">The event's size, held from the start (ingress bounds it, so it is never refused).</param>
    public RunData(long max, long eventBytes)
    {
        Max = max;
        EventBytes = eventBytes;
        _held = eventBytes;
    }

    /// <summary>No budget (tests of the step sequence alone).</summary>
    public static RunData Unbounded() => new(long.MaxValue, 0);

    public long Max { get; }

    public long EventBytes { get; }

    public long Held => Volatile.Read(ref _held);

    /// <summary>Counts <paramref name="bytes"/> against the budget; false (nothing counted) when they do not fit.</summary>
    public bool TryCharge(long bytes)
    {
        while (true)
        {
            var held = Volatile.Read(ref _held);
            if (bytes > Max - held)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _held, held + bytes, held) == held)
            {
                return true;
            }
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _held, -bytes);
}
