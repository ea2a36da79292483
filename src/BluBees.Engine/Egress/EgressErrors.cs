using System.Net.Sockets;
using System.Security.Authentication;

namespace BluBees.Engine.Egress;

/// <summary>
/// Maps infrastructure exceptions to failure values with messages of our own. Exception messages are never
/// passed on: a socket error would name the resolved (possibly internal) address.
/// </summary>
internal static class EgressErrors
{
    public static bool TryMap(Exception exception, string host, out EgressFailure failure, out string message)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case EgressDeniedException denied:
                    (failure, message) = (denied.Failure, denied.Message);
                    return true;
                case EgressStreamException limit:
                    (failure, message) = (limit.Failure, limit.Message);
                    return true;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    (failure, message) = (EgressFailure.Refused, $"Host '{host}' refused the connection.");
                    return true;
                case AuthenticationException:
                    (failure, message) = (EgressFailure.ConnectionFailed, $"The TLS handshake with '{host}' failed.");
                    return true;
            }
        }

        switch (exception)
        {
            case HttpRequestException { HttpRequestError: HttpRequestError.ConfigurationLimitExceeded }:
                (failure, message) = (EgressFailure.TooLarge, $"The response headers from '{host}' exceed the limit.");
                return true;
            case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError }:
                (failure, message) = (EgressFailure.ConnectionFailed, EgressUrlValidator.Unresolved(host));
                return true;
            case HttpRequestException or IOException:
                (failure, message) = (EgressFailure.ConnectionFailed, $"The connection to '{host}' failed.");
                return true;
            default:
                (failure, message) = (EgressFailure.None, "");
                return false;
        }
    }
}
