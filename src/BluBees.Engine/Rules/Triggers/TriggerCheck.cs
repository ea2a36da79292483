using BluBees.Engine.Execution;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Rules.Triggers;

/// <summary>What a trigger made of an event: it fires, the event is not one the trigger listens to, or one of its filters failed.</summary>
public enum TriggerCheck
{
    Fires,

    /// <summary>Another source (a schedule rule and a Jira event): the event never reached the rule.</summary>
    OtherSource,

    /// <summary>Another webhook than the trigger's.</summary>
    OtherWebhook,

    /// <summary>An event type the trigger does not list.</summary>
    OtherEvent,

    /// <summary>Reached the rule; the project filter failed.</summary>
    Project,

    /// <summary>Reached the rule; the issue type filter failed.</summary>
    IssueType,

    /// <summary>Reached the rule; the field-changed filter failed.</summary>
    FieldChanged,
}

public static class TriggerChecks
{
    private static readonly FailedCheck ProjectCheck = new("trigger.projects", "in");
    private static readonly FailedCheck IssueTypeCheck = new("trigger.issueTypes", "in");
    private static readonly FailedCheck FieldChangedCheck = new("trigger.fieldChanged", "changed");

    /// <summary>
    /// The filter that failed, for an event that reached the rule (its source, webhook and event type are the
    /// trigger's); null when the trigger fires or the event is not one it listens to. Static instances: no allocation.
    /// </summary>
    public static FailedCheck? Failed(this TriggerCheck check) => check switch
    {
        TriggerCheck.Project => ProjectCheck,
        TriggerCheck.IssueType => IssueTypeCheck,
        TriggerCheck.FieldChanged => FieldChangedCheck,
        _ => null,
    };

    /// <summary>Whether the event is one the trigger listens to (it fires, or one of its filters failed).</summary>
    public static bool Reached(this TriggerCheck check) => check is TriggerCheck.Fires or TriggerCheck.Project or TriggerCheck.IssueType or TriggerCheck.FieldChanged;

    internal static bool SourceMatches(TriggerKind kind, RunSource source) => (kind, source) switch
    {
        (TriggerKind.Event, RunSource.Event) => true,
        (TriggerKind.Schedule, RunSource.Schedule) => true,
        (TriggerKind.Manual, RunSource.Manual) => true,
        (TriggerKind.Webhook, RunSource.Webhook) => true,
        _ => false,
    };
}
