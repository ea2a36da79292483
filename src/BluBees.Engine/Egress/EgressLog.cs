using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Egress;

/// <summary>Egress log lines: host names and categories only, never addresses, header values or bodies.</summary>
internal static partial class EgressLog
{
    [LoggerMessage(1, LogLevel.Warning, "Egress to host {Host} blocked: resolves to a {Reason} address")]
    public static partial void DestinationBlocked(ILogger logger, string host, string reason);

    [LoggerMessage(2, LogLevel.Information, "Egress to host {Host} failed: {Failure}")]
    public static partial void RequestFailed(ILogger logger, string host, EgressFailure failure);
}
