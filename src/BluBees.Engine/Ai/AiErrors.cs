using BluBees.Engine.Egress;
using BluBees.Engine.Runs;

namespace BluBees.Engine.Ai;

/// <summary>Maps a guard failure under an SDK call to the run record's category, as the HTTP step does.</summary>
internal static class AiErrors
{
    public static string Of(EgressFailure failure) => failure switch
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
