using BluBees.Engine.Events;
using BluBees.Engine.Rules.Conditions;
using BluBees.Engine.Runs;

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
        reason = null;
        var sourceMatches = (kind, source) switch
        {
            (TriggerKind.Event, RunSource.Event) => true,
            (TriggerKind.Schedule, RunSource.Schedule) => true,
            (TriggerKind.Manual, RunSource.Manual) => true,
            (TriggerKind.Webhook, RunSource.Webhook) => true,
            _ => false,
        };
        if (!sourceMatches)
        {
            reason = kind == TriggerKind.Event ? "the rule has an event trigger" : $"the rule has a {kind.ToString().ToLowerInvariant()} trigger";
            return false;
        }

        if (kind == TriggerKind.Webhook && evt.WebhookId != webhookId)
        {
            reason = "the webhook is not the trigger's webhook";
            return false;
        }

        if (kind != TriggerKind.Event)
        {
            return true;
        }

        if (!events.Contains(evt.EventType))
        {
            reason = $"event type {evt.EventType} is not one of the trigger's events";
            return false;
        }

        if (projects is { Count: > 0 } && (evt.ProjectKey is null || !projects.Contains(evt.ProjectKey)))
        {
            reason = "the issue's project is not one of the trigger's projects";
            return false;
        }

        if (issueTypes is { Count: > 0 } && (evt.IssueType is null || !issueTypes.Contains(evt.IssueType)))
        {
            reason = "the issue type is not one of the trigger's issue types";
            return false;
        }

        if (fieldChanged is { Field: { } field } && !ChangedCondition.Matches(evt.ChangelogItems, field, fieldChanged.From, fieldChanged.To))
        {
            reason = $"the changelog has no matching change of '{field}'";
            return false;
        }

        return true;
    }
}
