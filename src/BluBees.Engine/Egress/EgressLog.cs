using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Egress;

/// <summary>Egress log lines: host names and categories only, never addresses, header values or bodies.</summary>
internal static partial class EgressLog
{
    // No host here: the connect callback sees the hop's host, which may be rendered from event data or come from a
    // redirect's Location. The request's label is logged by RequestFailed. A blocked name is recorded for the tenant
    // as ConnectionFailed (like a name that does not resolve); this line is the operator's way to tell them apart.
    [LoggerMessage(1, LogLevel.Warning, "Egress blocked: the destination {HostKind} resolves to a {Reason} address")]
    public static partial void DestinationBlocked(ILogger logger, string hostKind, string reason);

    [LoggerMessage(2, LogLevel.Information, "Egress to host {Host} failed: {Failure}")]
    public static partial void RequestFailed(ILogger logger, string host, EgressFailure failure);
}
