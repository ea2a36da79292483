using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Names;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Rules;

/// <summary>
/// Rules of one tenant. Every save writes a new immutable version (conditional put on its own key) and then
/// moves the head with an optimistic-concurrency write, so two concurrent saves can never share a version.
/// </summary>
public sealed partial class RuleService(
    IStore store, ConnectionService connections, IRuleRunHistory runs, RuleCache cache, TimeProvider time,
    IOptions<EgressOptions> egress, TemplateLimits templateLimits, BluBeesMetrics metrics, ILogger<RuleService> logger,
    IOptions<RuleOptions> ruleOptions)
{
    private const string NameKind = "rule";
    private readonly NameClaims _names = new(store, time);

    /// <summary>
    /// The admin's rule list: every rule, one a later build saved (its head or its current version) too, marked
    /// <see cref="RuleSummary.SavedByNewerVersion"/> (it does not run here until it is saved again).
    /// </summary>
    public async Task<IReadOnlyList<RuleSummary>> ListAsync(TenantId tenantId, CancellationToken ct)
    {
        var heads = await ListStoredHeadsAsync(tenantId, ct);
        var summaries = new List<RuleSummary>(heads.Count);
        foreach (var (h, _, newer) in heads.OrderBy(h => h.Head.Name, StringComparer.OrdinalIgnoreCase))
        {
            summaries.Add(new RuleSummary(h.Id, h.Name, h.Enabled, h.Version, h.TriggerType, h.UpdatedAt, await runs.LastRunAsync(tenantId, h.Id, ct))
            {
                SavedByNewerVersion = newer || await VersionSavedByNewerAsync(tenantId, h, ct),
            });
        }

        return summaries;
    }

    /// <summary>
    /// The rule with its current definition; a 409 outcome when a later build saved it (its head or that version) and
    /// this build cannot read it (before, a 500), never its content.
    /// </summary>
    public async Task<Outcome<RuleView>> GetAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        if (await GetStoredHeadAsync(tenantId, id, ct) is not { } head)
        {
            return Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' does not exist.");
        }

        var (version, newer) = head.SavedByNewerVersion ? (null, true) : await ReadVersionAsync(tenantId, id, head.Head.Version, ct);
        if (newer)
        {
            return SavedByNewerVersion<RuleView>(id);
        }

        return version is null ? Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' does not exist.") : Outcome<RuleView>.Ok(View(head.Head, version));
    }

    public async Task<RuleVersionRecord?> GetVersionAsync(TenantId tenantId, string id, int version, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(id) || version < 1)
        {
            return null;
        }

        var item = await store.ForTenant(tenantId).GetAsync(Keys.RuleVersion(id, version), ct);
        return item is null ? null : StoredJson.Read<RuleVersionRecord>(item.Data);
    }

    /// <summary>
    /// A page of the rule's kept versions (<see cref="RuleVersionRetention"/>), newest first: at most
    /// <paramref name="limit"/>, below version <paramref name="before"/> when given. Reads the versions' listing lines, not
    /// their definitions (<see cref="RuleVersionHistory"/>). Null when the rule does not exist.
    /// </summary>
    public async Task<(IReadOnlyList<RuleVersionSummary> Items, string? NextCursor)?> ListVersionsAsync(
        TenantId tenantId, string id, int limit, int? before, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (await GetStoredHeadAsync(tenantId, id, ct) is not { } head)
        {
            return null;
        }

        var newest = before is { } b ? Math.Min(head.Head.Version, b - 1) : head.Head.Version;
        var oldest = RuleVersionRetention.OldestKept(head.Head.Version, ruleOptions.Value.VersionsKept);
        return await RuleVersionHistory.ListAsync(store.ForTenant(tenantId), id, newest, oldest, limit, ct);
    }

    /// <summary>
    /// Deletes every stored version of a rule and its listing lines, page by page however many there are (each holds
    /// the definition in clear; a capped list once left the oldest versions of a rule saved more than 1 000 times behind).
    /// </summary>
    private static async Task DeleteVersionsAsync(TenantStore partition, string id, CancellationToken ct)
    {
        await partition.DeletePrefixAsync(Keys.RuleVersionPrefix(id), ct);
        await partition.DeletePrefixAsync(Keys.RuleVersionInfoPrefix(id), ct);
    }

    /// <summary>The versions (and their listing lines) of a rule whose head is gone (a delete cut off part way), deleted; false when there were none.</summary>
    private static async Task<bool> DeleteLeftoverVersionsAsync(TenantStore partition, string id, CancellationToken ct)
    {
        if (!Ids.IsWellFormed(id)
            || ((await partition.QueryAsync(new TenantQuery(Keys.RuleVersionPrefix(id)) { Limit = 1 }, ct)).Items.Count == 0
                && (await partition.QueryAsync(new TenantQuery(Keys.RuleVersionInfoPrefix(id)) { Limit = 1 }, ct)).Items.Count == 0))
        {
            return false;
        }

        await DeleteVersionsAsync(partition, id, ct);
        return true;
    }

    /// <summary>Validates a definition against the tenant's own connections.</summary>
    public async Task<(CompiledRule? Rule, ValidationErrors Errors)> ValidateAsync(TenantId tenantId, string id, int version, RuleDefinition definition, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        // Checked on save only (not in RuleCompiler, which also loads stored rules): a rule saved before this check
        // with such a name still runs.
        if (definition.Name is { } name && DisplayText.HasUnsafeCharacters(name))
        {
            errors.Add("name", "must not contain control or text-direction characters");
        }

        var own = (await connections.ListAsync(tenantId, ct)).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var compiled = RuleCompiler.Compile(id, version, definition, own, egress.Value, templateLimits, errors);
        return (compiled, errors);
    }

    public async Task<Outcome<RuleView>> CreateAsync(TenantId tenantId, RuleDefinition definition, string? actor, CancellationToken ct)
    {
        if ((await ListStoredHeadsAsync(tenantId, ct)).Count >= RuleLimits.MaxRulesPerTenant)
        {
            return Outcome<RuleView>.Conflict($"A tenant may have at most {RuleLimits.MaxRulesPerTenant} rules.");
        }

        var id = Ids.New("rule");
        var saved = await SaveAsync(tenantId, id, current: null, definition, actor, definition.Enabled ?? true, ct);

        // Counted again after the write (TenantLimit): creates sent at once all passed the count above.
        if (saved.Value is not null && await TenantLimit.ExceededAsync(store, tenantId, Keys.RulePrefix, RuleLimits.MaxRulesPerTenant))
        {
            await DeleteAsync(tenantId, id, CancellationToken.None);
            return Outcome<RuleView>.Conflict($"A tenant may have at most {RuleLimits.MaxRulesPerTenant} rules.");
        }

        return saved;
    }

    /// <summary>Saves a new version. A rule a later build saved is saved too (the way to make it run here again).</summary>
    /// <summary>
    /// Saves a new version. With <paramref name="baseVersion"/> (the version the editor opened), a rule saved by someone
    /// else since then is refused (409, <c>reason</c> <c>rule_changed</c>, <c>currentVersion</c>) instead of being
    /// overwritten unseen; a save racing this check loses at the version's put-if-absent (409) as before.
    /// </summary>
    public async Task<Outcome<RuleView>> UpdateAsync(TenantId tenantId, string id, RuleDefinition definition, string? actor, CancellationToken ct, int? baseVersion = null)
    {
        if (await GetStoredHeadAsync(tenantId, id, ct) is not { } current)
        {
            return Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' does not exist.");
        }

        if (baseVersion is { } opened && opened != current.Head.Version)
        {
            return RuleChanged(current.Head.Version, opened);
        }

        return await SaveAsync(tenantId, id, (current.Head, current.Revision), definition, actor, definition.Enabled ?? current.Head.Enabled, ct);
    }

    /// <summary>
    /// The 409 of a save (or restore) based on a version that is no longer the rule's current one; nothing was stored.
    /// Names the field the caller sent (<c>errors.baseVersion</c>), as a connection's <c>connection_changed</c> names
    /// <c>baseRevision</c>.
    /// </summary>
    private static Outcome<RuleView> RuleChanged(int currentVersion, int opened)
    {
        var errors = new ValidationErrors();
        errors.Add("baseVersion", $"is {opened}, but the rule is now at version {currentVersion}: someone else saved it since");
        return new Outcome<RuleView>(OutcomeKind.Conflict, null, errors,
            $"This rule was saved as version {currentVersion} after version {opened} was opened here, so saving would replace that change unseen. Nothing was saved.",
            new Dictionary<string, object?> { ["reason"] = "rule_changed", ["currentVersion"] = currentVersion });
    }

    /// <summary>
    /// Saves an earlier version again (so a rule a later build saved can be made to run here from a version this build
    /// reads); a 409 outcome when the version to restore is itself one this build cannot read. With
    /// <paramref name="baseVersion"/> (the version the history showed as current), a rule saved by someone else since is
    /// refused (409 <c>rule_changed</c>) as <see cref="UpdateAsync"/> refuses it: the restore would replace that change unseen.
    /// </summary>
    public async Task<Outcome<RuleView>> RestoreAsync(TenantId tenantId, string id, int version, string? actor, CancellationToken ct, int? baseVersion = null)
    {
        if (await GetStoredHeadAsync(tenantId, id, ct) is not { } current)
        {
            return Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' does not exist.");
        }

        if (baseVersion is { } opened && opened != current.Head.Version)
        {
            return RuleChanged(current.Head.Version, opened);
        }

        var (old, newer, notKept) = await ReadKeptVersionAsync(tenantId, current.Head, version, ct);
        if (notKept)
        {
            return RuleVersionRetention.NotKeptOutcome<RuleView>(id, version, current.Head.Version, ruleOptions.Value.VersionsKept);
        }

        if (newer)
        {
            return SavedByNewerVersion<RuleView>(id, version);
        }

        if (old is null)
        {
            return Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' has no version {version}.");
        }

        return await SaveAsync(tenantId, id, (current.Head, current.Revision), old.Definition, actor, current.Head.Enabled, ct);
    }

    /// <summary>
    /// Enables or disables the rule. A rule a later build saved is refused (409: rewriting its head would drop what
    /// that build stored in it, and it does not run here anyway until it is saved again).
    /// </summary>
    public async Task<Outcome<RuleView>> SetEnabledAsync(TenantId tenantId, string id, bool enabled, CancellationToken ct)
    {
        if (await GetStoredHeadAsync(tenantId, id, ct) is not { } stored)
        {
            return Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' does not exist.");
        }

        // Read before the head's write (a version never changes): read after it, a delete that came in between had
        // removed it, and the answer was a 500 (a null version) although the toggle was written.
        var (version, newer) = stored.SavedByNewerVersion ? (null, true) : await ReadVersionAsync(tenantId, id, stored.Head.Version, ct);
        if (newer)
        {
            return SavedByNewerVersion<RuleView>(id);
        }

        if (version is null)
        {
            return Outcome<RuleView>.NotFound($"Rule '{Ids.Shown(id)}' does not exist.");
        }

        var current = (stored.Head, stored.Revision);

        var head = current.Head with { Enabled = enabled, UpdatedAt = time.GetUtcNow() };
        if (!await store.ForTenant(tenantId).PutIfRevisionAsync(Keys.Rule(id), StoredJson.Write(head), current.Revision, ct))
        {
            return Outcome<RuleView>.Conflict("The rule was changed at the same time; reload and try again.");
        }

        await ListChangedAsync(tenantId);
        return Outcome<RuleView>.Ok(View(head, version));
    }

    public async Task<bool> DeleteAsync(TenantId tenantId, string id, CancellationToken ct)
    {
        // Read as the admin routes read it: a rule a later build saved can be deleted (before, a 500).
        var head = await GetStoredHeadAsync(tenantId, id, ct);
        // The head's delete itself is not cancellable either: a caller gone while it is in flight would make the
        // DynamoDB client give up on a delete the table may have applied, and the rest below would never run.
        if (head is null || !await store.ForTenant(tenantId).DeleteAsync(Keys.Rule(id), CancellationToken.None))
        {
            // A delete the store refused after the head was gone (throttling: answered 503), or a process killed there,
            // left versions behind, each a definition in clear; the caller's retry finds no head, and removes them, and
            // their residue in the store's files as the first attempt would have. Nothing of the rule left: 404.
            if (!await DeleteLeftoverVersionsAsync(store.ForTenant(tenantId), id, ct))
            {
                return false;
            }

            await ResidueErasure.AfterDeleteAsync(store);
            return true;
        }

        // Not cancellable from here: the head is gone (the rule is no longer listed, so the admin has nothing to retry
        // if the caller went away), and the versions (definitions in clear), the list's stamp (without it this and
        // every other instance keep running the cached rule) and the erase must follow.
        await DeleteVersionsAsync(store.ForTenant(tenantId), id, CancellationToken.None);

        await runs.DeleteTraceAsync(tenantId, id, CancellationToken.None); // its "why didn't it run?" entries go with it
        await ListChangedAsync(tenantId);
        cache.RemoveRule(tenantId, id, head.Head.Version); // its compiled versions (definitions) held in this process
        await _names.ReleaseAsync(tenantId, NameKind, head.Head.Name, id, CancellationToken.None);
        await ResidueErasure.AfterDeleteAsync(store); // its definitions (in clear) must not stay in the store's files
        return true;
    }

    /// <summary>"connection" or "webhook" when one the head uses is gone or being deleted (read after the head's write).</summary>
    private async Task<string?> GoneReferenceAsync(TenantId tenantId, RuleHead head)
    {
        foreach (var connection in head.Connections)
        {
            if (!await ReferenceGuard.UsableAsync(store, tenantId, Keys.Connection(connection), CancellationToken.None))
            {
                return "connection";
            }
        }

        return head.WebhookId is { } hook && !await ReferenceGuard.UsableAsync(store, tenantId, Keys.Webhook(hook), CancellationToken.None)
            ? "webhook"
            : null;
    }

    /// <summary>Whether the stored head is the one this save wrote (same version and time); false when it cannot be read.</summary>
    private static async Task<bool> HeadNamesAsync(TenantStore partition, RuleHead head)
    {
        try
        {
            return await partition.GetAsync(Keys.Rule(head.Id), CancellationToken.None) is { } item
                && StoredJson.Read<RuleHead>(item.Data) is var stored && stored.Version == head.Version && stored.UpdatedAt == head.UpdatedAt;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>Removes what a save that failed wrote before its head (best effort: the store may still be failing).</summary>
    private static async Task DropFailedSaveAsync(TenantStore partition, string id, int version, Func<Task> releaseName)
    {
        try
        {
            await RuleVersionHistory.DeleteVersionAsync(partition, id, version, CancellationToken.None);
            await releaseName();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The original failure is what the caller hears about.
        }
    }

    /// <summary>Puts the head back as it was before this save (or removes a new rule) and drops the version written.</summary>
    private async Task UndoAsync(TenantId tenantId, string id, int version, (RuleHead Head, long Revision)? previous, long written)
    {
        var partition = store.ForTenant(tenantId);
        if (previous is { } before)
        {
            await partition.PutIfRevisionAsync(Keys.Rule(id), StoredJson.Write(before.Head), written, CancellationToken.None);
        }
        else
        {
            await partition.DeleteAsync(Keys.Rule(id), CancellationToken.None);
        }

        await RuleVersionHistory.DeleteVersionAsync(partition, id, version, CancellationToken.None);
        cache.RemoveList(tenantId);
        await RuleListStamp.BumpAsync(store, tenantId, CancellationToken.None);
    }

    private async Task<string?> NameOfAsync(TenantId tenantId, string id, CancellationToken ct)
        => (await GetStoredHeadAsync(tenantId, id, ct))?.Head.Name;

    /// <summary>A save that claimed a new name and then failed gives it back (the name it had keeps its claim).</summary>
    private Task ReleaseNewNameAsync(TenantId tenantId, string id, bool renamed, string name)
        => renamed ? _names.ReleaseAsync(tenantId, NameKind, name, id, CancellationToken.None) : Task.CompletedTask;

    /// <summary>The id of another rule with this name (trimmed, ignoring case), or null. A blank name is the validator's.</summary>
    private async Task<string?> NameTakenAsync(TenantId tenantId, string name, string exceptId, CancellationToken ct)
        => (await ListStoredHeadsAsync(tenantId, ct)).Select(h => h.Head).FirstOrDefault(h => h.Id != exceptId && UniqueNames.Same(h.Name, name))?.Id;

    /// <summary>Rules whose current version uses the connection (deleting it would break them).</summary>
    public async Task<IReadOnlyList<RuleHead>> UsingConnectionAsync(TenantId tenantId, string connectionId, CancellationToken ct)
        => [.. (await ListStoredHeadsAsync(tenantId, ct)).Select(h => h.Head).Where(h => h.Connections.Contains(connectionId))];

    /// <summary>
    /// The compiled current version of a rule, from the cache when possible. When the head's version is gone but the rule
    /// has a newer one (the head was read before more saves than the history keeps pruned it), that newer one
    /// (<see cref="CurrentIfNotKeptAsync"/>). Null when the rule is gone (a delete in between) or the version does not compile on this build: saved valid, but its time zone has since left the server's
    /// tzdata, a check was made stricter, or a later build wrote it with a member this one does not know (read
    /// strictly: skipping it could run the rule other than as saved). Such a version is remembered as not compilable
    /// (<see cref="RuleCache.SetNotCompilable"/>): the event path reads and compiles it once per process, not per event,
    /// and its first sighting is logged (rule id and version only) and counted (<c>blubees.rules.not_compilable</c>).
    /// What an event that reaches it leaves is the worker's <c>rule_invalid</c> run (<see cref="Runs.RunProcessor"/>).
    /// </summary>
    public async Task<CompiledRule?> LoadCompiledAsync(TenantId tenantId, RuleHead head, CancellationToken ct)
    {
        if (cache.Get(tenantId, head.Id, head.Version) is { } cached)
        {
            return cached;
        }

        if (cache.IsNotCompilable(tenantId, head.Id, head.Version))
        {
            return null;
        }

        RuleVersionRecord? version;
        try
        {
            version = await GetVersionAsync(tenantId, head.Id, head.Version, ct);
        }
        catch (JsonException)
        {
            NotCompilable(tenantId, head, NotCompilableReasons.Unreadable);
            return null;
        }

        if (version is null)
        {
            return await CurrentIfNotKeptAsync(tenantId, head, ct);
        }

        var compiled = RuleCompiler.Compile(head.Id, head.Version, version.Definition, connections: null, egress.Value, templateLimits, new ValidationErrors());
        if (compiled is null)
        {
            NotCompilable(tenantId, head, NotCompilableReasons.Invalid);
            return null;
        }

        cache.Set(tenantId, compiled);
        return compiled;
    }

    /// <summary>Remembers a version that does not compile here; logs and counts its first sighting in this process.</summary>
    private void NotCompilable(TenantId tenantId, RuleHead head, string reason)
    {
        if (cache.IsNotCompilable(tenantId, head.Id, head.Version))
        {
            return; // another event found it at the same time and said so
        }

        cache.SetNotCompilable(tenantId, head.Id, head.Version);
        metrics.RuleNotCompilable(reason);
        LogNotCompilable(logger, head.Id, head.Version, reason);
    }

    /// <summary>
    /// Why the rule's current version does not compile here (for a stored version that did when saved: a time zone
    /// since retired from the server's tzdata, a check made stricter): the paths of the failing fields, never their
    /// values. Empty when it compiles or no longer exists.
    /// </summary>
    public async Task<IReadOnlyList<string>> InvalidPathsAsync(TenantId tenantId, RuleHead head, CancellationToken ct)
    {
        RuleVersionRecord? version;
        try
        {
            version = await GetVersionAsync(tenantId, head.Id, head.Version, ct);
        }
        catch (JsonException)
        {
            // A later build's member: its name is the stored document's, so only the part is named.
            return ["definition"];
        }

        if (version is null)
        {
            return [];
        }

        var errors = new ValidationErrors();
        RuleCompiler.Compile(head.Id, head.Version, version.Definition, connections: null, egress.Value, templateLimits, errors);
        return [.. errors.ToDictionary().Keys.Order(StringComparer.Ordinal)];
    }

    private async Task<Outcome<RuleView>> SaveAsync(
        TenantId tenantId, string id, (RuleHead Head, long Revision)? current, RuleDefinition definition, string? actor, bool enabled, CancellationToken ct)
    {
        var version = (current?.Head.Version ?? 0) + 1;
        var stored = definition with { Enabled = null };
        var (compiled, errors) = await ValidateAsync(tenantId, id, version, stored, ct);
        if (compiled is null)
        {
            return Outcome<RuleView>.Invalid(errors);
        }

        // Only a new or changed name is checked, so a duplicate stored before names were unique can still be saved and
        // renamed. The list check finds names stored before claims existed; the claim settles two saves at once.
        var renamed = current is null || !UniqueNames.Same(compiled.Name, current.Value.Head.Name);
        if (renamed && (await NameTakenAsync(tenantId, compiled.Name, id, ct)
            ?? await _names.ClaimAsync(tenantId, NameKind, compiled.Name, id, (rule, c) => NameOfAsync(tenantId, rule, c), ct)) is { } other)
        {
            return UniqueNames.Conflict<RuleView>("rule", other);
        }

        var now = time.GetUtcNow();
        var partition = store.ForTenant(tenantId);
        var record = new RuleVersionRecord(version, stored, now, actor);
        if (!await partition.PutIfAbsentAsync(Keys.RuleVersion(id, version), StoredJson.Write(record), ct))
        {
            await ReleaseNewNameAsync(tenantId, id, renamed, compiled.Name);
            return Outcome<RuleView>.Conflict("The rule was changed at the same time; reload and try again.");
        }

        var head = new RuleHead(
            id, compiled.Name, enabled, version, compiled.Trigger.Kind.ToString().ToLowerInvariant(), compiled.Trigger.EveryHours,
            compiled.Trigger.WebhookId, [.. compiled.Steps.SelectMany(s => s.ConnectionIds).Distinct()],
            current?.Head.CreatedAt ?? now, now);
        bool headWritten;
        try
        {
            await RuleVersionHistory.WriteAsync(partition, id, record, ct);
            headWritten = await partition.PutIfRevisionAsync(Keys.Rule(id), StoredJson.Write(head), current?.Revision ?? 0, ct);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store refused the listing line or the head (throttled or failed after its retries; the caller is asked to
            // retry). The version written above must not stay: it would take the number every later save of this rule tries (409 for good).
            if (!await HeadNamesAsync(partition, head))
            {
                await DropFailedSaveAsync(partition, id, version, () => ReleaseNewNameAsync(tenantId, id, renamed, compiled.Name));
            }

            throw;
        }

        // A write whose answer was lost and that the client sent again is refused by its own first attempt: the head
        // then names this very save (same version, same time), which stands.
        if (!headWritten && !await HeadNamesAsync(partition, head))
        {
            await RuleVersionHistory.DeleteVersionAsync(partition, id, version, ct);
            await ReleaseNewNameAsync(tenantId, id, renamed, compiled.Name);
            return Outcome<RuleView>.Conflict("The rule was changed at the same time; reload and try again.");
        }

        // Written first, checked second (ReferenceGuard): a connection or webhook deleted meanwhile undoes this save.
        if (await GoneReferenceAsync(tenantId, head) is { } gone)
        {
            await UndoAsync(tenantId, id, version, current, (current?.Revision ?? 0) + 1);
            await ReleaseNewNameAsync(tenantId, id, renamed, compiled.Name);
            return Outcome<RuleView>.Conflict($"The {gone} this rule uses was deleted at the same time; choose another and save again.");
        }

        cache.Set(tenantId, compiled);
        await ListChangedAsync(tenantId);
        if (renamed && current is { } previous)
        {
            await _names.ReleaseAsync(tenantId, NameKind, previous.Head.Name, id, CancellationToken.None);
        }

        await PruneVersionsAsync(tenantId, id, version);
        return Outcome<RuleView>.Ok(View(head, record));
    }

    /// <summary>After a head changed: this process forgets the tenant's list, and the stamp tells every other one.</summary>
    private async Task ListChangedAsync(TenantId tenantId)
    {
        cache.RemoveList(tenantId);
        // Not cancellable: the head is already written, and only the bump tells the other instances.
        await RuleListStamp.BumpAsync(store, tenantId, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rule {RuleId} v{RuleVersion} cannot be compiled by this build ({Reason}): it does not run until it is saved again; each event that reaches it is recorded as a rule_invalid run")]
    private static partial void LogNotCompilable(ILogger logger, string ruleId, int ruleVersion, string reason);

    private static RuleView View(RuleHead head, RuleVersionRecord version)
        => new(head.Id, head.Name, head.Enabled, head.Version, version.Definition, head.CreatedAt, head.UpdatedAt);
}
