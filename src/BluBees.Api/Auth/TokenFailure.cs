namespace BluBees.Api.Auth;

/// <summary>Why a token was refused. Logged as a category; the token itself never is.</summary>
internal enum TokenFailure
{
    None,
    Missing,
    TooLong,
    Malformed,
    ForbiddenHeader,
    Algorithm,
    UnknownKey,
    Signature,
    Issuer,
    Audience,
    Expired,
    NotYetValid,
    MissingClaim,

    /// <summary>A valid token of an installation that was uninstalled (<c>UninstalledInstallations</c>).</summary>
    Uninstalled,
}
