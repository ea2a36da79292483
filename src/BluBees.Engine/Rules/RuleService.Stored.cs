using System.Globalization;
using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Rules;

/// <summary>
/// A rule's head as the admin routes read it, with <see cref="SavedByNewerVersion"/> when this build could not read
/// it (a member a later build added: a rollback after a deploy). Such a head is read only for what the admin needs to
/// see and to save, delete or restore the rule (name, version, enabled, trigger, references); the rule does not run
/// here until it is saved again (the event path leaves it out: <see cref="RuleService.ListHeadsForRunAsync"/>).
/// </summary>
public sealed record StoredHead(RuleHead Head, long Revision, bool SavedByNewerVersion);

/// <summary>The admin routes' reads of stored rules that a later build may have written (a rollback).</summary>
public sealed partial class RuleService
{
    /// <summary>
    /// Every head of the tenant for the admin routes (list, create's count, name checks, what uses a connection or a
    /// webhook). A head a later build wrote is in it, marked (<see cref="StoredHead.SavedByNewerVersion"/>): before,
    /// the strict read threw and each of those routes answered 500. One that is not JSON at all still fails (a damaged store).
    /// </summary>
    public async Task<IReadOnlyList<StoredHead>> ListStoredHeadsAsync(TenantId tenantId, CancellationToken ct)
    {
        var page = await store.ForTenant(tenantId).QueryAsync(new TenantQuery(Keys.RulePrefix) { Limit = RuleLimits.MaxRulesPerTenant }, ct);
        return [.. page.Items.Select(ReadStoredHead)];
    }

    /// <summary>One head for the admin routes, read as <see cref="ListStoredHeadsAsync"/> does; null when there is none.</summary>
    public async Task<StoredHead?> GetStoredHeadAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(id))
        {
            return null;
        }

        var item = await store.ForTenant(tenantId).GetAsync(Keys.Rule(id), ct);
        return item is null ? null : ReadStoredHead(item);
    }

    /// <summary>
    /// A stored version for the admin routes: <c>SavedByNewerVersion</c> when it is a JSON object this build cannot read
    /// (a member a later build added); never its content then.
    /// </summary>
    public async Task<(RuleVersionRecord? Record, bool SavedByNewerVersion)> ReadVersionAsync(TenantId tenantId, string id, int version, CancellationToken ct)
    {
        try
        {
            return (await GetVersionAsync(tenantId, id, version, ct), false);
        }
        catch (JsonException)
        {
            return (null, true);
        }
    }

    /// <summary>
    /// Whether the rule's current version was saved by a later build (this one cannot read it): compiled through the
    /// cache the event path fills (<see cref="LoadCompiledAsync"/>), so a list costs a store read only for a version
    /// this process has not compiled yet; one that does not compile is read once more to tell why.
    /// </summary>
    private async Task<bool> VersionSavedByNewerAsync(TenantId tenantId, RuleHead head, CancellationToken ct)
        => await LoadCompiledAsync(tenantId, head, ct) is null && (await ReadVersionAsync(tenantId, head.Id, head.Version, ct)).SavedByNewerVersion;

    /// <summary>The answer for a rule (or one of its versions) this build cannot read: 409, saying what to do; never its content.</summary>
    public static Outcome<T> SavedByNewerVersion<T>(string id, int? version = null)
        => Outcome<T>.Conflict(
            (version is { } v ? $"Version {v} of rule '{Ids.Shown(id)}'" : $"Rule '{Ids.Shown(id)}'")
            + " was saved by a newer version of BluBees, which this version cannot read: it does not run here until it is saved again."
            + " Save it again (enter its definition anew) or restore a version this one can read.",
            new Dictionary<string, object?> { ["reason"] = SavedByNewerVersionReason });

    /// <summary>The <c>reason</c> of that 409 (stable: the UI keys on it).</summary>
    public const string SavedByNewerVersionReason = "saved_by_newer_version";

    private static StoredHead ReadStoredHead(StoreItem item)
    {
        try
        {
            return new StoredHead(StoredJson.Read<RuleHead>(item.Data), item.Revision, false);
        }
        catch (JsonException) when (StoredJson.IsJsonObject(item.Data))
        {
            var id = item.Sk.StartsWith(Keys.RulePrefix, StringComparison.Ordinal) ? item.Sk[Keys.RulePrefix.Length..] : item.Sk;
            return new StoredHead(LaterBuildHead(id, item.Data), item.Revision, true);
        }
    }

    /// <summary>
    /// What this build can take from a head a later build wrote: each member it knows, where it still has the type this
    /// build gives it, and a neutral value where not (a later build may have changed any of them).
    /// </summary>
    private static RuleHead LaterBuildHead(string id, string data)
    {
        using var document = JsonDocument.Parse(data);
        var root = document.RootElement;
        JsonElement? Member(string name) => root.TryGetProperty(name, out var value) ? value : null;
        string? Text(string name) => Member(name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
        int? Number(string name) => Member(name) is { ValueKind: JsonValueKind.Number } v && v.TryGetInt32(out var n) ? n : null;
        DateTimeOffset? Time(string name) => DateTimeOffset.TryParse(Text(name), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;
        var connections = Member("connections") is { ValueKind: JsonValueKind.Array } list
            ? [.. list.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!)]
            : new List<string>();
        return new RuleHead(
            id, Text("name") ?? id, Member("enabled") is { ValueKind: JsonValueKind.True }, Number("version") ?? 0,
            Text("triggerType") ?? "unknown", Number("everyHours") ?? 0, Text("webhookId"), connections,
            Time("createdAt") ?? default, Time("updatedAt") ?? default);
    }
}
