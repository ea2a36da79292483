namespace BluBees.Engine.Storage;

/// <summary>
/// Every key of the single-table layout is built here (an architecture test keeps literal key prefixes out of
/// every other file). A tenant's partition key is built by <see cref="Tenant"/> only for
/// <see cref="TenantStore"/> (and the queue's own transaction): everything else reaches a tenant's items through
/// <c>IStore.ForTenant</c>, with sort keys from here. Sort keys that carry time use fixed-width forms so that
/// lexical order is time order.
/// </summary>
public static class Keys
{
    private const string TenantPrefix = "T#";

    /// <summary>The operator directory: one item per tenant, outside every tenant partition.</summary>
    public const string DirectoryPk = "DIR";

    /// <summary>A tenant's partition key. Only Storage calls this; the rest uses <see cref="TenantStore"/>.</summary>
    public static string Tenant(string tenantId) => TenantPrefix + tenantId;

    /// <summary>What every tenant partition key starts with, for a store's scan across partitions (<see cref="IDataKeyScan"/>).</summary>
    public const string TenantPartitionPrefix = TenantPrefix;

    /// <summary>The tenant id of a tenant partition key (the inverse of <see cref="Tenant"/>).</summary>
    public static string TenantOfPartition(string pk) => pk[TenantPrefix.Length..];

    public const string DirectoryEntryPrefix = TenantPrefix;
    public static string DirectoryEntry(string tenantId) => DirectoryEntryPrefix + tenantId;

    /// <summary>
    /// Uninstalled installations, for a day after their uninstall (<c>BluBees.Engine.Tenancy.UninstalledInstallations</c>):
    /// one item per installation, its sort key the SHA-256 of the tenant id, outside every tenant partition.
    /// </summary>
    public const string UninstalledPk = "UNINSTALLED";

    /// <summary>An uninstalled installation's sort key under <see cref="UninstalledPk"/>: the SHA-256 of the tenant id.</summary>
    public static string UninstalledSk(TenantId tenantId)
        => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tenantId.Value)));

    /// <summary>
    /// A tenant's partition in the AWS key table (<c>BluBees.Aws.Kms.KeyShareTable</c>: no point-in-time recovery): the
    /// tenant prefix and the SHA-256 of the tenant id, so the table names no installation.
    /// </summary>
    public static string KeyTablePartition(TenantId tenantId) => TenantPrefix + UninstalledSk(tenantId);

    /// <summary>The sort-key prefix of one stored secret's share in the key table (<c>SECRET#&lt;share id&gt;</c>).</summary>
    public const string SecretSharePrefix = "SECRET#";

    /// <summary>The item the health check reads (never written: a read of a missing item proves the store answers).</summary>
    public const string HealthPk = "HEALTH";
    public const string HealthSk = "HEALTH";

    /// <summary>The tenant's rule-list stamp (<c>BluBees.Engine.Rules.RuleListStamp</c>).</summary>
    public const string RuleListStamp = "RULESTAMP";
    public const string TenantMeta = "META";
    public const string DataKey = "KEY";
    public const string ConnectionPrefix = "CONN#";
    public static string Connection(string id) => ConnectionPrefix + id;
    public const string RotatedRefreshTokenPrefix = "OAUTHRT#";
    public static string RotatedRefreshToken(string connectionId) => RotatedRefreshTokenPrefix + connectionId;
    public const string RulePrefix = "RULE#";
    public static string Rule(string id) => RulePrefix + id;
    /// <summary>Every rule version of the tenant (operator backup); <see cref="RuleVersionPrefix"/> for one rule's.</summary>
    public const string RuleVersionsPrefix = "RULEV#";
    public static string RuleVersionPrefix(string id) => RuleVersionsPrefix + id + "#";
    public static string RuleVersion(string id, int version) => RuleVersionPrefix(id) + version.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A rule version's listing line <c>{version, createdAt, createdBy}</c>, written with the version, so that the version
    /// history reads these small items and not every definition. Not under <see cref="RuleVersionsPrefix"/>.
    /// </summary>
    public const string RuleVersionInfosPrefix = "RULEVI#";
    public static string RuleVersionInfoPrefix(string id) => RuleVersionInfosPrefix + id + "#";
    public static string RuleVersionInfo(string id, int version) => RuleVersionInfoPrefix(id) + version.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    public const string RunPrefix = "RUN#";
    public static string Run(string runId) => RunPrefix + runId;
    /// <summary>A rule's last run, for the rule list.</summary>
    public static string LastRun(string ruleId) => "LASTRUN#" + ruleId;
    /// <summary>A consumer's claim on a run (RunStore.Claims.cs): it expires, it holds the run id only.</summary>
    public static string RunClaim(string runId) => "RUNCLAIM#" + runId;
    /// <summary>
    /// An issue's run index (the issue panel's history), keyed by the Jira issue id: ids are stable across a move to
    /// another project and never reused on a site, keys are neither (a moved issue gets a new key; a project deleted and
    /// re-created with the same key hands its keys to new issues).
    /// </summary>
    public static string IssueRunPrefix(string issueId) => "IRUNI#" + issueId + "#";
    public static string IssueRun(string issueId, string runId) => IssueRunPrefix(issueId) + runId;

    /// <summary>
    /// The index builds before the issue-id one wrote, keyed by the issue key (read only, for runs within retention:
    /// the panel shows one only when its record names the same issue id; these expire with their runs).
    /// </summary>
    public static string LegacyIssueRunPrefix(string issueKey) => "IRUN#" + issueKey + "#";
    public static string LegacyIssueRun(string issueKey, string runId) => LegacyIssueRunPrefix(issueKey) + runId;
    /// <summary>A rule's "why didn't it run?" trace: a ring of <c>RuleTrace.Slots</c> items, one per slot.</summary>
    public static string RuleTracePrefix(string ruleId) => "TRACE#" + ruleId + "#";
    public static string RuleTrace(string ruleId, int slot) => RuleTracePrefix(ruleId) + slot.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
    public static string Dedup(string key) => "DEDUP#" + key;
    public static string LoopPrefix(string ruleId, string issue) => "LOOP#" + ruleId + "#" + issue + "#";
    public const string AuditPrefix = "AUDIT#";

    /// <summary>A support audit entry: its id's 13-character time prefix first, so that the order is time order.</summary>
    public static string Audit(string entryId) => AuditPrefix + entryId[..13] + "#" + entryId;
    /// <summary>
    /// The open group of one actor's denials for one reason (<c>SupportAuditStore</c>): the id of the audit entry that
    /// counts them, until the window ends (its TTL). Keyed by a hash of actor and reason, never the values themselves.
    /// </summary>
    public static string SupportDenialGroup(string fingerprint) => "AUDITGRP#" + fingerprint;
    public const string GrantPrefix = "GRANT#";
    public static string Grant(string grantId) => GrantPrefix + grantId;
    public const string WebhookPrefix = "HOOK#";
    public static string Webhook(string id) => WebhookPrefix + id;
    public const string SettingsSk = "SETTINGS";

    /// <summary>
    /// The start of the marks of an item being deleted (<c>BluBees.Engine.Rules.ReferenceGuard</c>): the item's own sort key
    /// after the prefix; each delete's mark adds <c>#</c> and an id of its own, and expires.
    /// </summary>
    public static string Deleting(string sk) => DeletingPrefix + sk;

    /// <summary>A unique name's claim (<c>BluBees.Engine.Names.NameClaims</c>): kind, then a hash of the name, never the name.</summary>
    public static string NameClaim(string kind, string fingerprint) => NameClaimPrefix + kind + "#" + fingerprint;

    // One literal each for the keys below and for LastingPrefixes: a prefix that drifted from its key would leave that
    // kind of item behind a partial uninstall.
    private const string DeletingPrefix = "DELETING#";
    private const string NameClaimPrefix = "NAME#";
    private const string ScheduleFirePrefix = "SCHED#";
    private const string ScheduleCursorPrefix = "SCHEDCUR#";

    /// <summary>
    /// Sort-key prefixes of a tenant's items that never expire — rule definitions and their versions (in clear),
    /// connections and their secrets, webhooks, settings, name claims, schedule state, the tenant's record — which a
    /// store that deletes a partition in many steps (DynamoDB) deletes first: a delete cut off part way (throttling,
    /// the function's timeout) then leaves only items that expire by themselves (runs, their pointers, de-duplication
    /// markers, traces, loop counts, audit entries). The whole partition is deleted after them all the same.
    /// Support grants go first although they expire (expiry + audit retention): a grant left behind would let support
    /// staff go on reading what is left of an uninstalled tenant's run log, and write audit entries into its partition.
    /// </summary>
    public static readonly IReadOnlyList<string> LastingPrefixes =
    [
        GrantPrefix, RulePrefix, RuleVersionsPrefix, RuleVersionInfosPrefix, ConnectionPrefix, RotatedRefreshTokenPrefix, WebhookPrefix, SettingsSk, TenantMeta,
        RuleListStamp, NameClaimPrefix, ScheduleFirePrefix, ScheduleCursorPrefix, DeletingPrefix,
    ];

    /// <summary>An <c>everyHours</c> schedule rule's last fire (claimed with a conditional write).</summary>
    public static string ScheduleFire(string ruleId) => ScheduleFirePrefix + ruleId;

    /// <summary>
    /// The idempotent key of one interval of an <c>everyHours</c> rule: the rule and the fire the interval follows
    /// (<c>first</c> when the rule has none on record). Handed to the ingress as the de-duplication key, so that every
    /// delivery finding the interval due (retries, concurrent deliveries, the one after a crash) queues it once.
    /// </summary>
    public static string ScheduleInterval(string ruleId, DateTimeOffset? previousFire)
        => "EVERY#" + ruleId + "#" + (previousFire is { } at ? at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : "first");

    /// <summary>
    /// Where the tenant's next scheduled delivery starts its walk of the schedule rules: after the rule whose hand-over
    /// the queue refused last (<c>BluBees.Api.Scheduling.ScheduleTurn</c>). Expires; deleted once a walk completes.
    /// </summary>
    public const string ScheduleTurn = "SCHEDTURN";

    /// <summary>A cron schedule rule's cursor: the time up to which its occurrences have been processed.</summary>
    public static string ScheduleCursor(string ruleId) => ScheduleCursorPrefix + ruleId;

    /// <summary>
    /// The idempotent key of one cron occurrence of a rule (the tenant is the partition): handed to the ingress as
    /// the de-duplication key, so that the occurrence is queued once across retries, instances and restarts.
    /// </summary>
    public static string ScheduleTick(string ruleId, DateTimeOffset occurrence)
        => "TICK#" + ruleId + "#" + occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One issue's run of a cron occurrence with a JQL ("for each issue matching"): tick key + issue id.</summary>
    public static string ScheduleTickIssue(string ruleId, DateTimeOffset occurrence, string issueId) => ScheduleTick(ruleId, occurrence) + "#" + issueId;
}
