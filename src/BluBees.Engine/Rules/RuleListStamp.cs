using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Rules;

/// <summary>
/// The tenant's rule-list stamp: one small item (<c>RULESTAMP</c> in the tenant's partition) rewritten with a fresh
/// random value AFTER every change of a rule head (save, restore, enable/disable, delete). The event path reads the
/// stamp (one point read, strongly consistent on DynamoDB) instead of querying and parsing every head, and reuses the
/// heads it cached under the same stamp. Exact across instances: a change whose API call has answered has bumped the
/// stamp, so the next event on any instance sees a different stamp and reloads. A list read while a change is in
/// flight is cached under the stamp read BEFORE it, so it is reloaded at the next event after the bump. A writer
/// that dies between the head write and the bump (or an operator restore that writes heads directly) is covered by
/// <see cref="MaxAge"/>: no cached list is used longer than that. Uninstall deletes the partition, stamp included.
/// </summary>
public static class RuleListStamp
{
    public const string Sk = Keys.RuleListStamp;

    /// <summary>The backstop for a change that never bumped the stamp (see the class summary).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    public static async Task<string> ReadAsync(IStore store, TenantId tenantId, CancellationToken ct)
        => (await store.ForTenant(tenantId).GetAsync(Sk, ct))?.Data ?? string.Empty;

    public static Task BumpAsync(IStore store, TenantId tenantId, CancellationToken ct)
        => store.ForTenant(tenantId).PutAsync(Sk, StoredJson.Write(new Stamp(Guid.NewGuid().ToString("N"))), ct);

    private sealed record Stamp(string Value);
}

/// <summary>A tenant's rule heads as read under one stamp.</summary>
public sealed record CachedRuleList(string Stamp, IReadOnlyList<RuleHead> Heads, DateTimeOffset LoadedAt);
