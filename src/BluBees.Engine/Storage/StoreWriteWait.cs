namespace BluBees.Engine.Storage;

/// <summary>
/// Bounds how long the embedded store's statements made inside a scope wait for SQLite's write lock (another process
/// holding it: an operator's <c>sqlite3</c> shell, a backup tool), instead of the connection's command timeout (30 s).
/// The ingress opens one around each accept (<see cref="Runs.EventIngestor"/>): the queue's own write is bounded by
/// <see cref="Runs.SqliteRunQueue.LockWaitFor"/> (3 s for a Forge event, 10 s for the other sources), but the store writes before it (the tenant's record and directory
/// entry on its first event, a data key created on first need, a filtered event's trace) waited the full command
/// timeout each, so the first event of a tenant after a start was answered after 30 to 60 s. Such a write now fails
/// within the bound as SQLITE_BUSY, which nothing keeps and the API answers 503 with Retry-After
/// (<c>LockedFirstEventAfterStartTests</c>). The wait is SQLite's own (wall-clock time, in whole seconds). Other
/// stores ignore it.
/// </summary>
internal static class StoreWriteWait
{
    private static readonly AsyncLocal<int?> Seconds = new();

    /// <summary>The bound in whole seconds of the current scope, or null outside one.</summary>
    public static int? CurrentSeconds => Seconds.Value;

    /// <summary>Opens a scope (the shorter bound wins when one is already open); dispose it to end it.</summary>
    public static Scope Bound(TimeSpan wait)
    {
        var previous = Seconds.Value;
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        Seconds.Value = previous is { } outer && outer < seconds ? outer : seconds;
        return new Scope(previous);
    }

    /// <summary>
    /// Ends any bound for the code inside (dispose to restore it): a run handed off from an accept starts in the
    /// accepting caller's context and so inherited the accept's bound for all of its own store calls.
    /// </summary>
    public static Scope Unbounded()
    {
        var previous = Seconds.Value;
        Seconds.Value = null;
        return new Scope(previous);
    }

    public readonly struct Scope(int? previous) : IDisposable
    {
        public void Dispose() => Seconds.Value = previous;
    }
}
