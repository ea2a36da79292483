using System.Text.Json.Nodes;
using BluBees.Api.Permissions;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace BluBees.Api.JiraUser;

/// <summary>
/// The site's fields as the calling user sees them, for the save-time warnings (runs read them with the system
/// token through the engine's <c>Steps/Jira/JiraFieldCatalog</c>): Jira's "Get fields"
/// (<c>GET /rest/api/3/field</c> → <c>[{id, key, name, custom, schema}]</c>,
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get),
/// asked with the user's token. Remembered per tenant, account and token hash for <c>Jira:PermissionCacheSeconds</c>
/// so that saving a rule again does not ask again. Null when Jira cannot be asked or does not answer: the caller then
/// skips field checks (never fails the save). A tenant's lists go at its uninstall (<see cref="ForgetTenant"/>).
/// </summary>
internal sealed class UserFieldCatalog(JiraUserClient jira, IOptions<JiraOptions> options, TimeProvider time) : IDisposable, ITenantMemory
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public async Task<JiraFieldSet?> GetAsync(TenantContext tenant, string? userToken, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(userToken) || tenant.PrincipalAccountId is not { Length: > 0 } account)
        {
            return null;
        }

        var key = string.Join('\n', tenant.TenantId, account, PermissionQuestion.TokenHash(userToken));
        if (_cache.TryGetValue(key, out Entry? cached) && cached is not null && cached.ExpiresAt > time.GetUtcNow())
        {
            return cached.Fields;
        }

        var read = await jira.GetAsync(tenant, userToken, "/rest/api/3/field", ct);
        if (read is not { Status: JiraReadStatus.Ok, Body: JsonArray list })
        {
            return null;
        }

        var fields = new JiraFieldSet(list.OfType<JsonObject>().Select(f => (Text(f["id"]) ?? string.Empty, Text(f["name"]))));
        var lifetime = TimeSpan.FromSeconds(options.Value.PermissionCacheSeconds);
        if (lifetime > TimeSpan.Zero)
        {
            _cache.Set(key, new Entry(fields, time.GetUtcNow() + lifetime), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
        }

        return fields;
    }

    /// <summary>Drops the field lists the tenant's users were given (<see cref="TenantService"/>, at its uninstall).</summary>
    public void ForgetTenant(TenantId tenantId) => TenantKeys.Remove(_cache, tenantId);

    public void Dispose() => _cache.Dispose();

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private sealed record Entry(JiraFieldSet Fields, DateTimeOffset ExpiresAt);
}
