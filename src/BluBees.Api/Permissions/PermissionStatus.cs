namespace BluBees.Api.Permissions;

/// <summary>Whether Jira grants the calling user a permission, or why that is not known.</summary>
internal enum PermissionStatus
{
    /// <summary>Jira says the user has the permission (or, for ADMINISTER, a development admin id).</summary>
    Granted,

    /// <summary>Jira says the user does not have it (for an issue: also when Jira says the issue is not there for them, 404).</summary>
    Denied,

    /// <summary>The verified token names no user (not a UI invocation).</summary>
    NoUser,

    /// <summary>The request carries no user token (<c>x-forge-oauth-user</c>), so Jira cannot be asked.</summary>
    NoUserToken,

    /// <summary>Jira refused the user token (401/403, other 4xx), or the token names no usable apiBaseUrl.</summary>
    Unverifiable,

    /// <summary>
    /// The user token (<c>x-forge-oauth-user</c>) is another user's than the verified token's <c>principal</c>: Jira's
    /// answers would be about that other user, so none is used.
    /// </summary>
    WrongUser,

    /// <summary>Jira did not answer in time, or answered 429/5xx or unreadably: a transient failure.</summary>
    Unavailable,
}
