using BluBees.Engine.Common;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Rules;

/// <summary>The version history's bound (<see cref="RuleVersionRetention"/>) as the admin routes apply it.</summary>
public sealed partial class RuleService
{
    /// <summary>
    /// One version for the admin routes (view): 404 <see cref="RuleVersionRetention.NotKeptReason"/> for a version no
    /// longer kept, 409 for one a later build saved, 404 for a number the rule never had (or a rule that does not exist).
    /// </summary>
    public async Task<Outcome<RuleVersionRecord>> GetKeptVersionAsync(TenantId tenantId, string id, int version, CancellationToken ct)
    {
        if (await GetStoredHeadAsync(tenantId, id, ct) is not { } head)
        {
            return Outcome<RuleVersionRecord>.NotFound($"Rule '{Ids.Shown(id)}' has no version {version}.");
        }

        var (record, newer, notKept) = await ReadKeptVersionAsync(tenantId, head.Head, version, ct);
        if (notKept)
        {
            return RuleVersionRetention.NotKeptOutcome<RuleVersionRecord>(id, version, head.Head.Version, ruleOptions.Value.VersionsKept);
        }

        if (newer)
        {
            return SavedByNewerVersion<RuleVersionRecord>(id, version);
        }

        return record is null
            ? Outcome<RuleVersionRecord>.NotFound($"Rule '{Ids.Shown(id)}' has no version {version}.")
            : Outcome<RuleVersionRecord>.Ok(record);
    }

    /// <summary>
    /// A version of the rule whose head is <paramref name="head"/>, read only when it is kept: one numbered below the
    /// oldest kept is not read at all (a backlog from before the bound, or a bound lowered since, may still store it),
    /// and one within the range that is gone was pruned after the head was read (a save racing this read).
    /// </summary>
    private async Task<(RuleVersionRecord? Record, bool SavedByNewerVersion, bool NotKept)> ReadKeptVersionAsync(
        TenantId tenantId, RuleHead head, int version, CancellationToken ct)
    {
        var kept = ruleOptions.Value.VersionsKept;
        if (RuleVersionRetention.NotKept(version, head.Version, kept, stored: true))
        {
            return (null, false, true);
        }

        var (record, newer) = await ReadVersionAsync(tenantId, head.Id, version, ct);
        return (record, newer, !newer && RuleVersionRetention.NotKept(version, head.Version, kept, stored: record is not null));
    }

    /// <summary>
    /// The rule's current version, compiled, for a head whose version is no longer stored: read before later saves (more
    /// than <see cref="RuleOptions.VersionsKept"/>) pruned it — a list cached or read at the start of a long message, a
    /// dry run's head. The current version is what runs (its number is what the run records). Before, such a head loaded
    /// nothing, and a rule that still exists became a <c>rule_invalid</c> run, or a dry run's 409 "no longer compiles".
    /// Null when the rule is gone, a later build saved it, or its head names no newer version (then nothing newer exists).
    /// </summary>
    private async Task<CompiledRule?> CurrentIfNotKeptAsync(TenantId tenantId, RuleHead head, CancellationToken ct)
        => await GetStoredHeadAsync(tenantId, head.Id, ct) is { SavedByNewerVersion: false } stored && stored.Head.Version > head.Version
            ? await LoadCompiledAsync(tenantId, stored.Head, ct)
            : null;

    /// <summary>
    /// After a save's head is written: the versions beyond the bound go (at most a batch). Never fails or undoes the save
    /// it follows: the version and head are already durable, and what this leaves (the store refused a delete, the
    /// process stopped) is below the next save's cutoff too, so that save deletes it. Not cancellable: the caller going
    /// away after its save was written does not leave the work to pile up.
    /// </summary>
    private async Task PruneVersionsAsync(TenantId tenantId, string id, int current)
    {
        try
        {
            await RuleVersionRetention.PruneAsync(store.ForTenant(tenantId), id, current, ruleOptions.Value.VersionsKept, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogPruneFailed(logger, id, current, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {RuleId} v{RuleVersion} was saved, but its versions beyond the kept bound could not be deleted now ({ErrorType}); its next save deletes them")]
    private static partial void LogPruneFailed(ILogger logger, string ruleId, int ruleVersion, string errorType);
}
