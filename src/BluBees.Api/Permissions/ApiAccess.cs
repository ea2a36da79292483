namespace BluBees.Api.Permissions;

/// <summary>
/// Endpoint metadata for the few <c>/api</c> routes that are not for Jira administrators only. Every other route under
/// <c>/api</c> — reads included, and any route added later — needs a Jira administrator (see <see cref="ApiPermissionFilter"/>).
/// </summary>
internal sealed record ApiAccess(ApiAccessKind Kind)
{
    /// <summary>Any signed-in user of the app (<c>GET /api/me</c>).</summary>
    public static readonly ApiAccess AnyUser = new(ApiAccessKind.AnyUser);

    /// <summary>A user whom Jira allows to browse the issue named by the route value <c>{key}</c>; checked by the filter.</summary>
    public static readonly ApiAccess BrowseIssue = new(ApiAccessKind.BrowseIssue);

    /// <summary>
    /// A user whom Jira allows to browse the issue whose id is the query's <c>issueId</c> (the route's <c>{key}</c> is
    /// its key, for display); checked by the filter. For what is indexed by issue id (an issue's runs).
    /// </summary>
    public static readonly ApiAccess BrowseIssueById = new(ApiAccessKind.BrowseIssueById);

    /// <summary>
    /// A user whom Jira allows to edit the issue named in the request body; the handler must call
    /// <see cref="IssueAccess.RefuseUnlessAsync"/> once it has read the key, before it does anything.
    /// </summary>
    public static readonly ApiAccess EditIssueInBody = new(ApiAccessKind.EditIssueInBody);
}

internal enum ApiAccessKind
{
    AnyUser,
    BrowseIssue,
    BrowseIssueById,
    EditIssueInBody,
}
