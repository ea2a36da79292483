using BluBees.Engine.Egress;
using BluBees.Engine.Runs;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>Maps what went wrong on either side of a transfer to the run record's closed vocabulary.</summary>
internal static class TransferCategories
{
    public const string Source = "source";
    public const string Destination = "destination";

    /// <summary>The category of a response (null for a 2xx/3xx that arrived within the limits).</summary>
    public static string? Of(EgressResponse response) => response.Failure switch
    {
        EgressFailure.None => response.StatusCode switch
        {
            >= 500 => ErrorCategories.Http5xx,
            >= 400 => ErrorCategories.Http4xx,
            _ => null,
        },
        _ => Of(response.Failure),
    };

    /// <summary>The category of a broken source stream: a limit (size cap, timeout) or a dropped connection.</summary>
    public static string Of(Exception sourceFailure) =>
        Of(sourceFailure is EgressStreamException limit ? limit.Failure : EgressFailure.ConnectionFailed);

    private static string Of(EgressFailure failure) => failure switch
    {
        EgressFailure.BlockedDestination or EgressFailure.BlockedPort or EgressFailure.BlockedScheme => ErrorCategories.BlockedDestination,
        EgressFailure.Timeout => ErrorCategories.Timeout,
        EgressFailure.Refused => ErrorCategories.Refused,
        EgressFailure.TooLarge => ErrorCategories.ResponseTooLarge,
        EgressFailure.TooManyRedirects => ErrorCategories.TooManyRedirects,
        EgressFailure.InvalidUrl or EgressFailure.InvalidRequest => ErrorCategories.InvalidUrl,
        _ => ErrorCategories.ConnectionFailed,
    };
}
