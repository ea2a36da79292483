using Refit;

namespace BluBees.Api.Permissions;

/// <summary>
/// Jira's "my permissions" API, called with the calling user's token. The URL is absolute because every tenant
/// has its own <c>apiBaseUrl</c> (from the verified Forge token).
/// </summary>
internal interface IJiraPermissionsApi
{
    [Get("")]
    Task<IApiResponse<MyPermissionsResponse>> GetMyPermissionsAsync([Url] Uri url, [Authorize("Bearer")] string userToken, CancellationToken ct);

    /// <summary>
    /// "Get current user" (<c>GET /rest/api/3/myself</c>): the user the token belongs to
    /// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get).
    /// </summary>
    [Get("")]
    Task<IApiResponse<MyselfResponse>> GetMyselfAsync([Url] Uri url, [Authorize("Bearer")] string userToken, CancellationToken ct);
}

/// <summary><c>{"accountId": "5b10ac8d82e05b22cc7d4ef5", ...}</c>: only the account id is read.</summary>
internal sealed record MyselfResponse(string? AccountId);

/// <summary><c>{"permissions": {"ADMINISTER": {"havePermission": true}}}</c></summary>
internal sealed record MyPermissionsResponse(IReadOnlyDictionary<string, PermissionAnswer>? Permissions);

internal sealed record PermissionAnswer(bool HavePermission);

/// <summary>Source-generated serialization for the Jira client (no reflection; trimming and AOT safe).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(MyPermissionsResponse))]
[System.Text.Json.Serialization.JsonSerializable(typeof(MyselfResponse))]
internal sealed partial class JiraJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
