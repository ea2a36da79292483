using BluBees.Engine.Egress;

namespace BluBees.Engine.Execution;

/// <summary>
/// The one mapping from an egress outcome to the run record's closed vocabulary (<see cref="ErrorCategories"/>), used
/// by every caller of the guard: HTTP, transfer, <c>ai.chat</c>, Jira and the OAuth token client.
/// </summary>
internal static class EgressCategories
{
    /// <summary>The category of a failure below HTTP. <see cref="EgressFailure.None"/> has none (null).</summary>
    public static string? Of(EgressFailure failure) => failure switch
    {
        EgressFailure.None => null,
        EgressFailure.BlockedDestination or EgressFailure.BlockedPort or EgressFailure.BlockedScheme => ErrorCategories.BlockedDestination,
        EgressFailure.Timeout => ErrorCategories.Timeout,
        EgressFailure.Refused => ErrorCategories.Refused,
        EgressFailure.TooLarge => ErrorCategories.ResponseTooLarge,
        EgressFailure.TooManyRedirects => ErrorCategories.TooManyRedirects,
        EgressFailure.RedirectRefused => ErrorCategories.RedirectRefused,
        EgressFailure.OutsideCredentialScope => ErrorCategories.CredentialScope,
        EgressFailure.InvalidUrl or EgressFailure.InvalidRequest => ErrorCategories.InvalidUrl,
        _ => ErrorCategories.ConnectionFailed,
    };

    /// <summary>The category of a response: its failure, else 4xx/5xx; null for a 1xx–3xx that arrived within the limits.</summary>
    public static string? Of(EgressResponse response) => response.Failure == EgressFailure.None
        ? OfStatus(response.StatusCode)
        : Of(response.Failure);

    /// <summary>An HTTP status as a category: 4xx or 5xx; null otherwise.</summary>
    public static string? OfStatus(int? status) => status switch
    {
        >= 500 => ErrorCategories.Http5xx,
        >= 400 => ErrorCategories.Http4xx,
        _ => null,
    };

    /// <summary>
    /// A final status where only a 2xx is a success (a transfer side, a Jira call): 4xx/5xx, and
    /// <see cref="ErrorCategories.UnexpectedStatus"/> for any other answer, a 3xx the guard did not follow (300, 304, a
    /// redirect without a usable <c>Location</c>) above all: the write did not happen and the read brought nothing.
    /// </summary>
    public static string? OfFinalStatus(int? status) =>
        status is >= 200 and < 300 ? null : OfStatus(status) ?? ErrorCategories.UnexpectedStatus;

    /// <summary>The category of a broken response stream: a limit (size cap, timeout) or a dropped connection.</summary>
    public static string Of(Exception streamFailure) =>
        Of(streamFailure is EgressStreamException limit ? limit.Failure : EgressFailure.ConnectionFailed)!;
}
