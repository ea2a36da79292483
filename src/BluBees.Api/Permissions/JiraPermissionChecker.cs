using System.Net;
using BluBees.Api.Dev;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;
using Refit;

namespace BluBees.Api.Permissions;

/// <summary>
/// Asks Jira what the calling user (the verified token's principal) may do, with that user's own token (Forge sends it
/// as <c>x-forge-oauth-user</c> when the endpoint enables <c>appUserToken</c>:
/// https://developer.atlassian.com/platform/forge/remote/essentials/). Jira's "Get my permissions" answers for the
/// token's user: globally (ADMINISTER) or for one issue (BROWSE_PROJECTS, EDIT_ISSUES) —
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get.
/// The token is sent to Jira only; it is never logged, stored or echoed (the cache keeps a hash of it).
/// <para>
/// Forge documents the two separately: <c>principal</c> is "the identifier for the user who invoked the app", and
/// <c>x-forge-oauth-user</c> is "the app's user token ... on behalf of a user"; the token is opaque ("OAuth tokens ...
/// (and JWT claims within) need to be treated as Opaque": https://developer.atlassian.com/platform/forge/remote/essentials/),
/// so nothing in it may be read to learn whose it is. A request carrying the signed principal of one user and the user
/// token of another would have Jira answer for that other user (an administrator's token beside a plain user's FIT).
/// So Jira is also asked whose token it is ("Get current user", <c>GET /rest/api/3/myself</c>, its <c>accountId</c>,
/// in parallel with the permission question and under the same deadline), and an answer is used (and cached) only when
/// that account is the principal; otherwise the request is refused (<see cref="PermissionStatus.WrongUser"/>).
/// </para>
/// </summary>
internal sealed partial class JiraPermissionChecker(
    IJiraPermissionsApi jira, PermissionAnswerCache cache, IOptions<JiraOptions> options, IOptions<DevOptions> dev,
    IOptions<DevAdminOptions> devAdmins, TimeProvider time, ILogger<JiraPermissionChecker> logger)
{
    /// <summary>The Forge header carrying the user's OAuth token (UI invocations with a user session).</summary>
    public const string UserTokenHeader = "x-forge-oauth-user";

    /// <summary>Why a request whose user token is not its principal's is refused (no account id, no token named).</summary>
    public const string WrongUserDetail = "The user token (" + UserTokenHeader + ") is not the token of the user the Forge Invocation Token names, so nothing was checked with it.";

    /// <summary>Project permission to see an issue.</summary>
    public const string BrowseProjects = "BROWSE_PROJECTS";

    /// <summary>Project permission to edit an issue.</summary>
    public const string EditIssues = "EDIT_ISSUES";

    /// <summary>Whether the caller is a Jira administrator (global ADMINISTER).</summary>
    public Task<PermissionStatus> CheckAdminAsync(TenantContext tenant, string? userToken, CancellationToken ct)
        => CheckAsync(tenant, userToken, "ADMINISTER", issue: null, ct);

    /// <summary>Whether the caller holds every one of <paramref name="permissions"/> (comma-separated) on the issue.</summary>
    public Task<PermissionStatus> CheckIssueAsync(TenantContext tenant, string? userToken, string issueKey, string permissions, CancellationToken ct)
        => CheckAsync(tenant, userToken, permissions, IssueRef.ByKey(issueKey), ct);

    /// <summary>As <see cref="CheckIssueAsync"/>, naming the issue by its id.</summary>
    public Task<PermissionStatus> CheckIssueByIdAsync(TenantContext tenant, string? userToken, string issueId, string permissions, CancellationToken ct)
        => CheckAsync(tenant, userToken, permissions, IssueRef.ById(issueId), ct);

    private async Task<PermissionStatus> CheckAsync(TenantContext tenant, string? userToken, string permissions, IssueRef? issue, CancellationToken ct)
    {
        if (tenant.PrincipalAccountId is not { Length: > 0 } accountId)
        {
            return PermissionStatus.NoUser;
        }

        // Development admins are Jira administrators without asking Jira; they may browse and edit every issue too.
        if (dev.Value.Enabled && devAdmins.Value.Effective.Contains(accountId, StringComparer.Ordinal))
        {
            return PermissionStatus.Granted;
        }

        // Checked before the cache: every request must come with the user's token, cached or not.
        if (string.IsNullOrWhiteSpace(userToken))
        {
            return PermissionStatus.NoUserToken;
        }

        var question = new PermissionQuestion(tenant.TenantId, accountId, userToken, permissions, issue?.Query);
        if (cache.TryGet(question, out var cached))
        {
            return cached ? PermissionStatus.Granted : PermissionStatus.Denied;
        }

        if (PermissionsUrl(tenant, permissions, issue) is not { } url)
        {
            LogCheck(logger, permissions, PermissionStatus.Unverifiable, 0);
            return PermissionStatus.Unverifiable;
        }

        // HttpClient.Timeout ends at the response headers: a Jira whose body stalls or drips would hold the request
        // (and the Forge UI call) forever. One deadline covers the headers and the whole body of both questions, asked
        // at once, so confirming whose token it is adds no wait. On the injected clock (house style); HttpClient.Timeout,
        // which bounds the headers, stays on real time.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.TimeoutSeconds), time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var owner = AskOwnerAsync(MyselfUrl(url), userToken, accountId, deadline.Token, ct);
        var answer = AskJiraAsync(url, userToken, permissions, issue is not null, deadline.Token, ct);
        await Task.WhenAll(owner, answer);
        var (ownerStatus, status) = (owner.Result, answer.Result);
        if (ownerStatus is not PermissionStatus.Granted)
        {
            LogCheck(logger, permissions, ownerStatus, 0);
            return ownerStatus;
        }

        if (status is PermissionStatus.Granted or PermissionStatus.Denied)
        {
            cache.Set(question, status == PermissionStatus.Granted, TimeSpan.FromSeconds(options.Value.PermissionCacheSeconds));
        }

        return status;
    }

    /// <summary>
    /// Whether the user token is the principal's: <see cref="PermissionStatus.Granted"/> when Jira names that account,
    /// <see cref="PermissionStatus.WrongUser"/> when it names another (or none), else why Jira could not say.
    /// </summary>
    private async Task<PermissionStatus> AskOwnerAsync(Uri url, string userToken, string principal, CancellationToken deadline, CancellationToken ct)
        => (await AskAsync(
            () => jira.GetMyselfAsync(url, userToken, deadline),
            content => string.Equals(content.AccountId, principal, StringComparison.Ordinal) ? PermissionStatus.Granted : PermissionStatus.WrongUser,
            forIssue: false,
            ct)).Status;

    private static Uri MyselfUrl(Uri permissionsUrl) => new(permissionsUrl.GetLeftPart(UriPartial.Path)[..^"mypermissions".Length] + "myself");

    private async Task<PermissionStatus> AskJiraAsync(Uri url, string userToken, string permissions, bool forIssue, CancellationToken deadline, CancellationToken ct)
    {
        var (status, code) = await AskAsync(
            () => jira.GetMyPermissionsAsync(url, userToken, deadline),
            content => HasAll(content, permissions) ? PermissionStatus.Granted : PermissionStatus.Denied,
            forIssue,
            ct);
        if (code != 0)
        {
            LogCheck(logger, permissions, status, code);
        }

        return status;
    }

    /// <summary>
    /// One question to Jira with the user's token: a readable 2xx is what <paramref name="read"/> makes of it; no answer,
    /// 408, 429, 5xx or an unreadable 2xx is <see cref="PermissionStatus.Unavailable"/> (a transient failure); for an
    /// issue, 404 is a "no" (Jira answers so when the issue does not exist or the user may not see it); any other
    /// refusal is <see cref="PermissionStatus.Unverifiable"/>. Code 0: no HTTP answer.
    /// </summary>
    private async Task<(PermissionStatus Status, int Code)> AskAsync<T>(
        Func<Task<IApiResponse<T>>> ask, Func<T, PermissionStatus> read, bool forIssue, CancellationToken ct)
    {
        IApiResponse<T> response;
        try
        {
            response = await ask();
        }
        catch (Exception ex) when (ex is HttpRequestException or ApiException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // Only the type: messages can name hosts, and this path must never risk echoing request data.
            LogUnavailable(logger, ex.GetType().Name);
            return (PermissionStatus.Unavailable, 0);
        }

        using (response)
        {
            if (response.StatusCode is not { } statusCode)
            {
                // No HTTP answer at all (timeout, connection failure) surfaces as an error on the response.
                LogUnavailable(logger, (response.Error?.InnerException ?? response.Error)?.GetType().Name ?? "NoResponse");
                return (PermissionStatus.Unavailable, 0);
            }

            var code = (int)statusCode;
            var status = code switch
            {
                _ when response.IsSuccessStatusCode && response.Error is null && response.Content is { } content => read(content),
                _ when response.IsSuccessStatusCode => PermissionStatus.Unavailable, // 2xx but unreadable
                (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500 => PermissionStatus.Unavailable,
                (int)HttpStatusCode.NotFound when forIssue => PermissionStatus.Denied,
                _ => PermissionStatus.Unverifiable,
            };
            return (status, code);
        }
    }

    private static bool HasAll(MyPermissionsResponse content, string permissions)
        => content.Permissions is { } granted
           && permissions.Split(',').All(p => granted.TryGetValue(p, out var answer) && answer is { HavePermission: true });

    private Uri? PermissionsUrl(TenantContext tenant, string permissions, IssueRef? issue)
    {
        // The user's token goes to the site the Jira steps accept: https on an Atlassian host (or the test override).
        if (Engine.Steps.Jira.JiraSite.Resolve(tenant.ApiBaseUrl, options.Value.ApiBaseUrlOverride) is not { } baseUrl)
        {
            return null;
        }

        var query = issue is null
            ? "?permissions=" + permissions
            : "?" + issue.Query + "&permissions=" + permissions;
        return new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/rest/api/3/mypermissions" + query);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Jira permission check {Permissions}: {Status} (HTTP {StatusCode})")]
    private static partial void LogCheck(ILogger logger, string permissions, PermissionStatus status, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jira permission check failed: {ErrorType}")]
    private static partial void LogUnavailable(ILogger logger, string errorType);
}

/// <summary>
/// The issue a permission question is about, as the query parameter of Jira's "Get my permissions": <c>issueKey</c>
/// or <c>issueId</c> (escaped). Also the question's cache key part, so that a key and an id are never one question.
/// </summary>
internal sealed record IssueRef(string Query)
{
    public static IssueRef ByKey(string issueKey) => new("issueKey=" + Uri.EscapeDataString(issueKey));

    public static IssueRef ById(string issueId) => new("issueId=" + Uri.EscapeDataString(issueId));
}
