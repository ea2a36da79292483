using System.Net;
using BluBees.Api.Dev;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;
using Refit;

namespace BluBees.Api.Permissions;

/// <summary>
/// Asks Jira whether the calling user (the verified token's principal) has the global ADMINISTER permission,
/// with that user's own token. The token is sent to Jira only; it is never logged, stored or echoed.
/// </summary>
public sealed partial class JiraPermissionChecker(
    IJiraPermissionsApi jira, AdminAnswerCache cache, IOptions<JiraOptions> options, IOptions<DevOptions> dev,
    IOptions<DevAdminOptions> devAdmins, ILogger<JiraPermissionChecker> logger)
{
    /// <summary>The Forge header carrying the user's OAuth token (UI invocations with a user session).</summary>
    public const string UserTokenHeader = "x-forge-oauth-user";

    public async Task<AdminStatus> CheckAsync(TenantContext tenant, string? userToken, CancellationToken ct)
    {
        if (tenant.PrincipalAccountId is not { Length: > 0 } accountId)
        {
            return AdminStatus.NoUser;
        }

        if (dev.Value.Enabled && devAdmins.Value.Effective.Contains(accountId, StringComparer.Ordinal))
        {
            return AdminStatus.Admin;
        }

        // Checked before the cache: every admin request must come with the user's token, cached or not.
        if (string.IsNullOrWhiteSpace(userToken))
        {
            return AdminStatus.NoUserToken;
        }

        if (cache.TryGet(tenant.TenantId, accountId, out var cached))
        {
            return cached ? AdminStatus.Admin : AdminStatus.NotAdmin;
        }

        if (PermissionsUrl(tenant) is not { } url)
        {
            LogCheck(logger, AdminStatus.Unverifiable, 0);
            return AdminStatus.Unverifiable;
        }

        var status = await AskJiraAsync(url, userToken, ct);
        if (status is AdminStatus.Admin or AdminStatus.NotAdmin)
        {
            cache.Set(tenant.TenantId, accountId, status == AdminStatus.Admin, TimeSpan.FromSeconds(options.Value.PermissionCacheSeconds));
        }

        return status;
    }

    private async Task<AdminStatus> AskJiraAsync(Uri url, string userToken, CancellationToken ct)
    {
        IApiResponse<MyPermissionsResponse> response;
        try
        {
            response = await jira.GetMyPermissionsAsync(url, userToken, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or ApiException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // Only the type: messages can name hosts, and this path must never risk echoing request data.
            LogUnavailable(logger, ex.GetType().Name);
            return AdminStatus.Unavailable;
        }

        using (response)
        {
            if (response.StatusCode is not { } statusCode)
            {
                // No HTTP answer at all (timeout, connection failure) surfaces as an error on the response.
                LogUnavailable(logger, (response.Error?.InnerException ?? response.Error)?.GetType().Name ?? "NoResponse");
                return AdminStatus.Unavailable;
            }

            var code = (int)statusCode;
            var status = code switch
            {
                _ when response.IsSuccessStatusCode && response.Error is null && response.Content is { } content
                    => IsAdmin(content) ? AdminStatus.Admin : AdminStatus.NotAdmin,
                _ when response.IsSuccessStatusCode => AdminStatus.Unavailable, // 2xx but unreadable
                (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500 => AdminStatus.Unavailable,
                _ => AdminStatus.Unverifiable,
            };
            LogCheck(logger, status, code);
            return status;
        }
    }

    private static bool IsAdmin(MyPermissionsResponse content)
        => content.Permissions is { } permissions && permissions.TryGetValue("ADMINISTER", out var administer) && administer is { HavePermission: true };

    private Uri? PermissionsUrl(TenantContext tenant)
    {
        var configured = options.Value.ApiBaseUrlOverride;
        var useOverride = !string.IsNullOrEmpty(configured);
        if (!Uri.TryCreate(useOverride ? configured : tenant.ApiBaseUrl, UriKind.Absolute, out var baseUrl)
            || !useOverride && baseUrl.Scheme != Uri.UriSchemeHttps)
        {
            return null; // a real apiBaseUrl is always https
        }

        return new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/rest/api/3/mypermissions?permissions=ADMINISTER");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Jira permission check: {Status} (HTTP {StatusCode})")]
    private static partial void LogCheck(ILogger logger, AdminStatus status, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jira permission check failed: {ErrorType}")]
    private static partial void LogUnavailable(ILogger logger, string errorType);
}
