using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Rules;

/// <summary>
/// How much of a rule's version history is kept (<see cref="RuleOptions.VersionsKept"/>): the newest versions up to the
/// current one, so that a tenant saving in a loop keeps at most 500 rules × that many × 64 KiB, not a file (or table)
/// growing without end that every tenant shares. Versions below the oldest kept number are not kept whether or not
/// their items are still stored (a backlog still draining, a bound lowered since): they are not listed, viewed or
/// restored (404 <see cref="NotKeptReason"/>). Numbers are never reused: a save takes the head's number + 1, and the
/// head's version is never pruned.
/// </summary>
public static class RuleVersionRetention
{
    /// <summary>The most versions (and as many stray listing lines) one save deletes: a backlog drains over a few saves.</summary>
    public const int PruneBatch = 25;

    /// <summary>The <c>reason</c> of the 404 for a version that is no longer kept (stable: the UI may key on it).</summary>
    public const string NotKeptReason = "version_not_kept";

    /// <summary>The oldest version number kept when <paramref name="current"/> is the head's version.</summary>
    public static int OldestKept(int current, int kept) => Math.Max(1, current - kept + 1);

    /// <summary>
    /// Whether <paramref name="version"/> was a version of a rule whose current version is <paramref name="current"/> that
    /// is not kept: numbered below the oldest kept, or within the kept range but gone (numbers run 1 … head without gaps,
    /// so only the retention or a larger bound set after it ran leaves one missing there).
    /// </summary>
    public static bool NotKept(int version, int current, int kept, bool stored)
        => version >= 1 && version <= current && (version < OldestKept(current, kept) || !stored);

    /// <summary>The 404 of a version that is no longer kept: <c>reason</c> and the <c>version</c> asked for.</summary>
    public static Outcome<T> NotKeptOutcome<T>(string id, int version, int current, int kept)
        => Outcome<T>.NotFound(
            $"Version {version} of rule '{Ids.Shown(id)}' is no longer kept: only its newest {kept} versions are (from version {OldestKept(current, kept)}).",
            new Dictionary<string, object?> { ["reason"] = NotKeptReason, ["version"] = version, ["oldestKeptVersion"] = OldestKept(current, kept) });

    /// <summary>
    /// Deletes up to <see cref="PruneBatch"/> versions numbered below the oldest kept (each version first, then its
    /// listing line, as <see cref="RuleVersionHistory.DeleteVersionAsync"/> does), then up to as many listing lines left
    /// there without their version (a delete cut off between the two, or a listing's backfill racing this). Returns how
    /// many items it deleted. Called by a save after its head is written, with that head's version: whatever races it,
    /// the head it deletes below is never lowered by another save (a save only moves the head up, or back to its own
    /// previous version before it returns), so neither the current version nor one another save just made current is
    /// below the cutoff.
    /// </summary>
    public static async Task<int> PruneAsync(TenantStore partition, string id, int current, int kept, CancellationToken ct)
    {
        var cutoff = OldestKept(current, kept) - 1;
        if (cutoff < 1)
        {
            return 0;
        }

        var deleted = 0;
        var versionPrefix = Keys.RuleVersionPrefix(id);
        var versions = await partition.QueryAsync(
            new TenantQuery(versionPrefix) { Limit = PruneBatch, SkTo = Keys.RuleVersion(id, cutoff) }, ct);
        foreach (var version in versions.Items)
        {
            await partition.DeleteAsync(version.Sk, ct);
            await partition.DeleteAsync(Keys.RuleVersionInfoPrefix(id) + version.Sk[versionPrefix.Length..], ct);
            deleted++;
        }

        var lines = await partition.QueryAsync(
            new TenantQuery(Keys.RuleVersionInfoPrefix(id)) { Limit = PruneBatch, SkTo = Keys.RuleVersionInfo(id, cutoff) }, ct);
        foreach (var line in lines.Items)
        {
            await partition.DeleteAsync(line.Sk, ct);
            deleted++;
        }

        return deleted;
    }
}
