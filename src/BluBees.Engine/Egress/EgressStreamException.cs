namespace BluBees.Engine.Egress;

/// <summary>
/// Thrown while reading <see cref="EgressResponse.BodyStream"/> when the body breaks a limit
/// (<see cref="EgressFailure.TooLarge"/> or <see cref="EgressFailure.Timeout"/>). A stream cannot return a
/// failure value, so streaming callers catch this one exception type.
/// </summary>
internal sealed class EgressStreamException : IOException
{
    public EgressStreamException()
    {
    }

    public EgressStreamException(string message) : base(message)
    {
    }

    public EgressStreamException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public EgressStreamException(EgressFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public EgressFailure Failure { get; } = EgressFailure.ConnectionFailed;
}
