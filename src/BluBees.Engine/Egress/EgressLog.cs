using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Egress;

/// <summary>Egress log lines: host names and categories only, never addresses, header values or bodies.</summary>
internal static partial class EgressLog
{
    // No host here: the connect callback sees the hop's host, which may be rendered from event data or come from a
    // redirect's Location. The request's label is logged by RequestFailed.
    [LoggerMessage(1, LogLevel.Warning, "Egress blocked: the destination resolves to a {Reason} address")]
    public static partial void DestinationBlocked(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Information, "Egress to host {Host} failed: {Failure}")]
    public static partial void RequestFailed(ILogger logger, string host, EgressFailure failure);
}
