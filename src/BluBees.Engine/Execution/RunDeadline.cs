namespace BluBees.Engine.Execution;

/// <summary>
/// When the run the current code is part of will be cut off by its worker's run deadline (the SQS worker's
/// <c>Worker:RunDeadlineSeconds</c>, the embedded worker's <c>Runs:RunDeadlineSeconds</c>), set by the worker around each
/// message. A connection's call does not begin a <c>Retry-After</c> wait that would end at or after it: the deadline
/// would cut the wait (recorded <c>cancelled</c> on SQS, the message back to the queue and the same 429 on its next
/// receive), so the step ends at once with the answer it has. Null outside a worker's run (a dry run, a test).
/// </summary>
public static class RunDeadline
{
    private static readonly AsyncLocal<DateTimeOffset?> Ambient = new();

    /// <summary>The current run's deadline, or null outside one.</summary>
    public static DateTimeOffset? Current => Ambient.Value;

    /// <summary>Sets the deadline for the code inside (the earlier one wins when one is set already); dispose to restore.</summary>
    public static Scope Enter(DateTimeOffset deadline)
    {
        var previous = Ambient.Value;
        Ambient.Value = previous is { } outer && outer < deadline ? outer : deadline;
        return new Scope(previous);
    }

    public readonly struct Scope(DateTimeOffset? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
