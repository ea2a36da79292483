namespace BluBees.Engine.Runs;

/// <summary>
/// A delivery of a message left a rule to another delivery of it that holds the rule's run claim
/// (<see cref="RunStore.TryClaimAsync"/>): the message goes back to the queue, and its next delivery finds that run's
/// record. The records of the rules this delivery ran are written before it is thrown.
/// </summary>
public sealed class RunClaimedElsewhereException : Exception
{
    public RunClaimedElsewhereException()
        : base("Another delivery of the message holds the claim on one of its rules' runs.")
    {
    }

    public RunClaimedElsewhereException(string message)
        : base(message)
    {
    }

    public RunClaimedElsewhereException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
