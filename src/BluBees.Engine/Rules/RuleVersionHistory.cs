using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Rules;

/// <summary>
/// A rule's version history as the admin lists it: one small item per version (<c>RULEVI#&lt;id&gt;#&lt;000001&gt;</c>:
/// number, time, author), written right after the version, so that a page reads these and never the definitions (up to
/// 64 KiB each). A version saved before these items existed (or restored from a backup, which carries versions only)
/// has none: the first page that lists it reads that one version in full, by its key, and writes its line (later
/// listings read the line).
/// </summary>
public static class RuleVersionHistory
{
    /// <summary>The most versions one page lists (and the default: before paging, the list was the newest 1 000).</summary>
    public const int MaxPage = 1000;

    /// <summary>The listing line of a version just written (put-if-absent won); a failure leaves the version listed by the fallback.</summary>
    public static Task WriteAsync(TenantStore partition, string id, RuleVersionRecord record, CancellationToken ct)
        => partition.PutAsync(Keys.RuleVersionInfo(id, record.Version), StoredJson.Write(Summary(record)), ct);

    /// <summary>Removes one version and its listing line (a save undone).</summary>
    public static async Task DeleteVersionAsync(TenantStore partition, string id, int version, CancellationToken ct)
    {
        await partition.DeleteAsync(Keys.RuleVersion(id, version), ct);
        await partition.DeleteAsync(Keys.RuleVersionInfo(id, version), ct);
    }

    /// <summary>
    /// The versions from <paramref name="newest"/> down to <paramref name="floor"/> (the oldest kept,
    /// <see cref="RuleVersionRetention"/>), at most <paramref name="limit"/> numbers, newest first; the cursor is the number
    /// the next page starts below, null on the last page. Versions are numbered 1 … head without gaps (a lost save deletes
    /// its number, which the next save takes) and the kept ones are the newest of them, so a page is the numbers in its
    /// range: their listing lines in one query, and a point read of a version only for a number without one. Nothing
    /// below the floor is read or listed, whether or not the retention has deleted it yet.
    /// </summary>
    public static async Task<(IReadOnlyList<RuleVersionSummary> Items, string? NextCursor)> ListAsync(
        TenantStore partition, string id, int newest, int floor, int limit, CancellationToken ct)
    {
        floor = Math.Max(1, floor);
        if (newest < floor)
        {
            return ([], null);
        }

        var oldest = Math.Max(floor, newest - limit + 1);
        var page = await partition.QueryAsync(
            new TenantQuery(Keys.RuleVersionInfoPrefix(id))
            {
                Descending = true,
                Limit = newest - oldest + 1,
                SkFrom = Keys.RuleVersionInfo(id, oldest),
                SkTo = Keys.RuleVersionInfo(id, newest),
            },
            ct);
        // Tolerant: listing lines a later build wrote (a rollback) are shown, not a 500; they hold no definition.
        var listed = page.Items.Select(i => StoredJson.ReadTolerant<RuleVersionSummary>(i.Data)).ToDictionary(v => v.Version);
        var items = new List<RuleVersionSummary>(newest - oldest + 1);
        for (var version = newest; version >= oldest; version--)
        {
            if (listed.TryGetValue(version, out var summary))
            {
                items.Add(summary);
            }
            else if (await partition.GetAsync(Keys.RuleVersion(id, version), ct) is { } item)
            {
                var legacy = Summary(StoredJson.Read<RuleVersionRecord>(item.Data));
                items.Add(legacy);
                await BackfillAsync(partition, id, legacy, ct);
            }
        }

        return (items, oldest > floor ? oldest.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>
    /// Writes the listing line of a version stored without one, so the next listing reads the line. A rule delete
    /// removes the head, then the versions, then the lines: a line written after that sweep finds the head gone and is
    /// taken back (only a rule delete removes a version older than the head, and every newer version has its line).
    /// </summary>
    private static async Task BackfillAsync(TenantStore partition, string id, RuleVersionSummary line, CancellationToken ct)
    {
        if (await partition.PutIfAbsentAsync(Keys.RuleVersionInfo(id, line.Version), StoredJson.Write(line), ct)
            && await partition.GetAsync(Keys.Rule(id), CancellationToken.None) is null)
        {
            await partition.DeleteAsync(Keys.RuleVersionInfo(id, line.Version), CancellationToken.None);
        }
    }

    private static RuleVersionSummary Summary(RuleVersionRecord record) => new(record.Version, record.CreatedAt, record.CreatedBy);
}
