namespace BluBees.Engine.Egress;

/// <summary>
/// Thrown by the guard's connect callback to abort a connection before it is attempted; the client turns it
/// back into a failure value. The message is safe to show: it never holds an address or a header value.
/// </summary>
internal sealed class EgressDeniedException(EgressFailure failure, string message) : Exception(message)
{
    public EgressFailure Failure { get; } = failure;
}
