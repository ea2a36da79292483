using BluBees.Engine.Events;
using BluBees.Engine.Conditions;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Rules.Triggers;

/// <summary>A validated trigger: which source fires the rule and which events it narrows to.</summary>
public sealed class CompiledTrigger(
    TriggerKind kind,
    IReadOnlySet<string> events,
    IReadOnlySet<string>? projects,
    IReadOnlySet<string>? issueTypes,
    FieldChangeDefinition? fieldChanged,
    int everyHours,
    string? webhookId)
{
    public TriggerKind Kind => kind;
    public int EveryHours => everyHours;

    /// <summary>The schedule of a schedule trigger (legacy interval or cron); null for other kinds.</summary>
    public CompiledSchedule? Schedule { get; init; }
    public string? WebhookId => webhookId;

    /// <summary>Whether the event fires this trigger; <paramref name="reason"/> says why not (for dry runs).</summary>
    public bool Matches(RunSource source, JiraEvent evt, out string? reason)
    {
        var check = Check(source, evt);
        reason = check switch
        {
            TriggerCheck.Fires => null,
            TriggerCheck.OtherSource => kind == TriggerKind.Event ? "the rule has an event trigger" : $"the rule has a {kind.ToString().ToLowerInvariant()} trigger",
            TriggerCheck.OtherWebhook => "the webhook is not the trigger's webhook",
            TriggerCheck.OtherEvent => $"event type {evt.EventType} is not one of the trigger's events",
            TriggerCheck.Project => "the issue's project is not one of the trigger's projects",
            TriggerCheck.IssueType => "the issue type is not one of the trigger's issue types",
            _ => $"the changelog has no matching change of '{fieldChanged?.Field}'",
        };
        return check == TriggerCheck.Fires;
    }

    /// <summary>
    /// Which part of the trigger the event fails, in the order they are checked (source, webhook, event type,
    /// projects, issue types, field changed). Allocates nothing; throws <see cref="InvalidOperationException"/> on an
    /// event whose shape the filters cannot read, like <see cref="Matches"/>.
    /// </summary>
    public TriggerCheck Check(RunSource source, JiraEvent evt)
    {
        if (!TriggerChecks.SourceMatches(kind, source))
        {
            return TriggerCheck.OtherSource;
        }

        if (kind == TriggerKind.Webhook && evt.WebhookId != webhookId)
        {
            return TriggerCheck.OtherWebhook;
        }

        if (kind != TriggerKind.Event)
        {
            return TriggerCheck.Fires;
        }

        if (!events.Contains(evt.EventType))
        {
            return TriggerCheck.OtherEvent;
        }

        if (projects is { Count: > 0 } && (evt.ProjectKey is null || !projects.Contains(evt.ProjectKey)))
        {
            return TriggerCheck.Project;
        }

        if (issueTypes is { Count: > 0 } && (evt.IssueType is null || !issueTypes.Contains(evt.IssueType)))
        {
            return TriggerCheck.IssueType;
        }

        if (fieldChanged is { Field: { } field } && !ChangedCondition.Matches(evt.ChangelogItems, field, fieldChanged.From, fieldChanged.To))
        {
            return TriggerCheck.FieldChanged;
        }

        return TriggerCheck.Fires;
    }
}
