namespace BluBees.Api.Permissions;

/// <summary>Whether the calling user is a Jira administrator, or why that is not known.</summary>
public enum AdminStatus
{
    /// <summary>Jira says the user has ADMINISTER (or a development admin id).</summary>
    Admin,

    /// <summary>Jira says the user does not have ADMINISTER.</summary>
    NotAdmin,

    /// <summary>The verified token names no user (not a UI invocation).</summary>
    NoUser,

    /// <summary>The request carries no user token (<c>x-forge-oauth-user</c>), so Jira cannot be asked.</summary>
    NoUserToken,

    /// <summary>Jira refused the user token (401/403, other 4xx), or the token names no usable apiBaseUrl.</summary>
    Unverifiable,

    /// <summary>Jira did not answer in time, or answered 429/5xx or unreadably: a transient failure.</summary>
    Unavailable,
}
