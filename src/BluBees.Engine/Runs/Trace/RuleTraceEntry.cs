namespace BluBees.Engine.Runs.Trace;

/// <summary>
/// One event that reached a rule and did not run it ("why didn't my rule run?"): metadata only, like a run record.
/// <see cref="Stage"/> says where it stopped; <see cref="Path"/> and <see cref="Operator"/> name the part of the
/// rule that failed (<c>trigger.projects</c>/<c>in</c>, <c>conditions.all[1]</c>/<c>equals</c>). Never a value:
/// the types here have no place for the event's field values or the rule's literals.
/// </summary>
public sealed record RuleTraceEntry(
    string RuleId,
    int RuleVersion,
    DateTimeOffset At,
    string Source,
    string? EventType,
    string? IssueId,
    string? IssueKey,
    string Stage,
    string? Path,
    string? Operator)
{
    /// <summary>The message the event arrived in (not serialized): picks the entry's slot, so a redelivery rewrites its own.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? MessageId { get; init; }
}

/// <summary>Where an event that reached a rule stopped.</summary>
public static class TraceStages
{
    /// <summary>A filter of the trigger (projects, issue types, field changed) failed.</summary>
    public const string Trigger = "trigger";

    /// <summary>The rule's conditions evaluated false.</summary>
    public const string Conditions = "conditions";

    /// <summary>The rule is disabled (its trigger listens to the event).</summary>
    public const string Disabled = "disabled";

    /// <summary>
    /// A cron schedule's due occurrence could not fire: its JQL search was refused. <see cref="RuleTraceEntry.Path"/> is
    /// <c>trigger.schedule.jql</c>, <see cref="RuleTraceEntry.Operator"/> one of <see cref="ScheduleReasons"/>.
    /// </summary>
    public const string Schedule = "schedule";
}

/// <summary>Why a schedule's occurrence did not fire (a closed list: never Jira's text).</summary>
public static class ScheduleReasons
{
    /// <summary>Jira answered 400 to the JQL search: the JQL does not parse or names what does not exist.</summary>
    public const string JqlRejected = "jql_rejected";

    /// <summary>The scheduled trigger came without the app's system token.</summary>
    public const string SystemTokenMissing = "system_token_missing";

    /// <summary>Jira refused the app's system token (401/403).</summary>
    public const string SystemTokenRefused = "system_token_refused";
}
