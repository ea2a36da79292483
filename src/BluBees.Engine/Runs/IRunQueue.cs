namespace BluBees.Engine.Runs;

/// <summary>Hands work from the ingress to the worker: the durable SQLite queue locally, SQS on AWS.</summary>
public interface IRunQueue
{
    /// <summary>Queues the message. Throws <see cref="QueueFullException"/> when the queue cannot take it.</summary>
    ValueTask EnqueueAsync(RunMessage message, CancellationToken ct);
}

/// <summary>Executes one queued message. The worker (durable queue or SQS route) calls it.</summary>
public interface IRunProcessor
{
    Task ProcessAsync(RunMessage message, CancellationToken ct);

    /// <summary>
    /// As <see cref="ProcessAsync(RunMessage, CancellationToken)"/>; <paramref name="replay"/> when the message was
    /// delivered before (an SQS receive count above 1): the rules an earlier delivery finished are not run again.
    /// </summary>
    Task ProcessAsync(RunMessage message, bool replay, CancellationToken ct) => ProcessAsync(message, ct);

    /// <summary>
    /// As above; with <paramref name="claimFor"/>, each rule's run is claimed for that long before it runs, and a rule a
    /// copy of the message delivered at the same time holds is left to it: the rest are recorded, then
    /// <see cref="RunClaimedElsewhereException"/> gives the message back (RunProcessor).
    /// </summary>
    Task ProcessAsync(RunMessage message, bool replay, TimeSpan? claimFor, CancellationToken ct) => ProcessAsync(message, replay, ct);
}

/// <summary>What a de-duplicating enqueue did.</summary>
public enum EnqueueOutcome
{
    /// <summary>Newly queued (or queued again: the marker said queued but the message was gone).</summary>
    Accepted,

    /// <summary>The same event is still waiting in (or running from) the queue; nothing was added.</summary>
    AlreadyQueued,

    /// <summary>The same event's run has finished; nothing was added.</summary>
    AlreadyFinished,

    /// <summary>The queue is at capacity; nothing was written, not even the de-duplication marker.</summary>
    Full,
}

/// <summary>The de-duplication marker of one event: where it lives and when it expires.</summary>
public sealed record DedupClaim(string Pk, string Sk, DateTimeOffset ExpiresAt);

/// <summary>
/// A queue that writes an event's de-duplication marker and its message in ONE transaction, so that an accepted
/// event can never be remembered as seen without also being queued (the embedded SQLite queue).
/// </summary>
public interface IDedupingRunQueue : IRunQueue
{
    /// <summary>Whether the queue lives in the same database as the store (then the transaction covers both).</summary>
    bool SharesStore { get; }

    Task<EnqueueOutcome> EnqueueDedupedAsync(RunMessage message, DedupClaim claim, CancellationToken ct);
}

/// <summary>The state an event's de-duplication marker records. Markers without a state (older builds) count as finished.</summary>
public sealed record DedupMarker(DateTimeOffset ReceivedAt, string? State = null, string? MessageId = null)
{
    public const string Queued = "queued";
    public const string Finished = "finished";

    /// <summary>
    /// A queue outside the store (SQS) failed the send: the queue may still have kept the message (an answer lost, a
    /// deadline passed after SQS stored it). The redelivery sends it again under this marker's receipt and message id,
    /// so the run ids are the same and a copy that SQS did keep finishes the same run records.
    /// </summary>
    public const string Unsent = "unsent";

    /// <summary>
    /// A queue outside the store: the send has begun (at <see cref="Since"/>) and its outcome is not recorded yet. Left
    /// so by a process killed mid-send; after <see cref="EventIngestor.SendLease"/> a redelivery sends it again (as for
    /// <see cref="Unsent"/>), within it the redelivery is asked to retry.
    /// </summary>
    public const string Sending = "sending";

    /// <summary>When the current send began (<see cref="Sending"/> only).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>
    /// Reads a stored marker, skipping fields a later build added (<see cref="Json.JsonDefaults.Tolerant"/>): read
    /// strictly, such a marker did not parse and counted as finished, so an "unsent" event's redelivery was answered
    /// as a duplicate and never ran.
    /// </summary>
    public static DedupMarker Read(string data)
        => System.Text.Json.JsonSerializer.Deserialize<DedupMarker>(data, Json.JsonDefaults.Tolerant)
            ?? throw new System.Text.Json.JsonException("The stored marker is empty.");
}

/// <summary>The queue cannot take more work right now; the caller should ask Forge to retry.</summary>
public sealed class QueueFullException() : Exception("The run queue is full.");
