namespace BluBees.Engine.Storage;

/// <summary>
/// Every key of the single-table layout is built here, so that no code path can forget the tenant.
/// Sort keys that carry time use fixed-width forms so that lexical order is time order.
/// </summary>
public static class Keys
{
    public const string DirectoryPk = "DIR";
    public static string Tenant(string tenantId) => "T#" + tenantId;
    public static string DirectoryEntry(string tenantId) => "T#" + tenantId;
    public const string TenantMeta = "META";
    public const string DataKey = "KEY";
    public const string ConnectionPrefix = "CONN#";
    public static string Connection(string id) => ConnectionPrefix + id;
    public const string RotatedRefreshTokenPrefix = "OAUTHRT#";
    public static string RotatedRefreshToken(string connectionId) => RotatedRefreshTokenPrefix + connectionId;
    public const string RulePrefix = "RULE#";
    public static string Rule(string id) => RulePrefix + id;
    public static string RuleVersionPrefix(string id) => "RULEV#" + id + "#";
    public static string RuleVersion(string id, int version) => RuleVersionPrefix(id) + version.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    public const string RunPrefix = "RUN#";
    public static string Run(string runId) => RunPrefix + runId;
    public static string IssueRunPrefix(string issueKey) => "IRUN#" + issueKey + "#";
    public static string IssueRun(string issueKey, string runId) => IssueRunPrefix(issueKey) + runId;
    /// <summary>A rule's "why didn't it run?" trace: a ring of <c>RuleTrace.Slots</c> items, one per slot.</summary>
    public static string RuleTracePrefix(string ruleId) => "TRACE#" + ruleId + "#";
    public static string RuleTrace(string ruleId, int slot) => RuleTracePrefix(ruleId) + slot.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);
    public static string Dedup(string key) => "DEDUP#" + key;
    public static string LoopPrefix(string ruleId, string issue) => "LOOP#" + ruleId + "#" + issue + "#";
    public const string AuditPrefix = "AUDIT#";
    public const string GrantPrefix = "GRANT#";
    public const string WebhookPrefix = "HOOK#";
    public const string SettingsSk = "SETTINGS";

    /// <summary>An <c>everyHours</c> schedule rule's last fire (claimed with a conditional write).</summary>
    public static string ScheduleFire(string ruleId) => "SCHED#" + ruleId;

    /// <summary>A cron schedule rule's cursor: the time up to which its occurrences have been processed.</summary>
    public static string ScheduleCursor(string ruleId) => "SCHEDCUR#" + ruleId;

    /// <summary>
    /// The idempotent key of one cron occurrence of a rule (the tenant is the partition): handed to the ingress as
    /// the de-duplication key, so that the occurrence is queued once across retries, instances and restarts.
    /// </summary>
    public static string ScheduleTick(string ruleId, DateTimeOffset occurrence)
        => "TICK#" + ruleId + "#" + occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One issue's run of a cron occurrence with a JQL ("for each issue matching"): tick key + issue id.</summary>
    public static string ScheduleTickIssue(string ruleId, DateTimeOffset occurrence, string issueId) => ScheduleTick(ruleId, occurrence) + "#" + issueId;
}
