namespace BluBees.Engine.Runs;

/// <summary>Another backend holds the consumer lock of the same database file (<see cref="ConsumerLock"/>): this one does not start.</summary>
public sealed class BackendAlreadyRunningException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
