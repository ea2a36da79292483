using BluBees.Engine.Validation;
using BluBees.Engine.Events;

namespace BluBees.Engine.Rules.Triggers;

/// <summary>Validates a trigger definition and compiles it.</summary>
internal static class TriggerCompiler
{
    /// <summary>
    /// Compiles <paramref name="trigger"/>. On a save (<paramref name="save"/>), a field that its trigger type never
    /// reads is refused too: a manual rule saved with <c>projects</c> was listed and ran on any issue, the filter
    /// silently ignored. Stored rules are not refused for it (they compile as before).
    /// </summary>
    public static CompiledTrigger? Compile(TriggerDefinition? trigger, ValidationErrors errors, bool save = false)
    {
        if (trigger is null)
        {
            errors.Add("trigger", "is required");
            return null;
        }

        if (!TryParseLower(trigger.Type, out var kind))
        {
            errors.Add("trigger.type", trigger.Type is null ? "is required: event, schedule, manual or webhook" : $"'{trigger.Type}' is not a trigger type: use event, schedule, manual or webhook");
            return null;
        }

        if (save)
        {
            RefuseFieldsOtherTypesRead(trigger, kind, errors);
        }

        var events = new HashSet<string>(StringComparer.Ordinal);
        if (kind == TriggerKind.Event)
        {
            if (trigger.Events is not { Count: > 0 })
            {
                errors.Add("trigger.events", "an event trigger needs at least one event type");
            }
            else
            {
                for (var i = 0; i < trigger.Events.Count; i++)
                {
                    if (!EventTypes.Supported.Contains(trigger.Events[i] ?? string.Empty))
                    {
                        errors.Add($"trigger.events[{i}]", $"'{trigger.Events[i]}' is not a supported event: use one of {string.Join(", ", EventTypes.Supported)}");
                    }
                    else
                    {
                        events.Add(trigger.Events[i]);
                    }
                }
            }
        }

        var projects = Names(trigger.Projects, "trigger.projects", errors, save);
        var issueTypes = Names(trigger.IssueTypes, "trigger.issueTypes", errors, save);
        if (trigger.FieldChanged is { } change && string.IsNullOrWhiteSpace(change.Field))
        {
            errors.Add("trigger.fieldChanged.field", "is required");
        }
        else if (save && trigger.FieldChanged is { Field: { } field } && HasHiddenCharacters(field))
        {
            errors.Add("trigger.fieldChanged.field", HiddenCharacters);
        }

        var schedule = kind == TriggerKind.Schedule ? ScheduleCompiler.Compile(trigger.Schedule, errors) : null;

        if (kind == TriggerKind.Webhook && (trigger.WebhookId is null || !Common.Ids.IsWellFormed(trigger.WebhookId)))
        {
            errors.Add("trigger.webhookId", "is required for a webhook trigger");
        }

        return errors.IsEmpty ? new CompiledTrigger(kind, events, projects, issueTypes, trigger.FieldChanged, schedule?.EveryHours ?? 0, trigger.WebhookId) { Schedule = schedule } : null;
    }

    private static void RefuseFieldsOtherTypesRead(TriggerDefinition trigger, TriggerKind kind, ValidationErrors errors)
    {
        var type = trigger.Type;
        if (kind != TriggerKind.Event)
        {
            foreach (var (field, set) in new[] { ("events", trigger.Events is { Count: > 0 }), ("projects", trigger.Projects is { Count: > 0 }), ("issueTypes", trigger.IssueTypes is { Count: > 0 }), ("fieldChanged", trigger.FieldChanged is not null) })
            {
                if (set)
                {
                    errors.Add("trigger." + field, $"applies to event triggers only; {(type == "event" ? "an" : "a")} {type} trigger would ignore it");
                }
            }
        }

        if (kind != TriggerKind.Schedule && trigger.Schedule is not null)
        {
            errors.Add("trigger.schedule", $"applies to schedule triggers only; {(type == "event" ? "an" : "a")} {type} trigger would ignore it");
        }

        if (kind != TriggerKind.Webhook && trigger.WebhookId is not null)
        {
            errors.Add("trigger.webhookId", $"applies to webhook triggers only; {(type == "event" ? "an" : "a")} {type} trigger would ignore it");
        }
    }

    private static bool TryParseLower(string? text, out TriggerKind kind)
    {
        kind = default;
        return text is "event" or "schedule" or "manual" or "webhook" && Enum.TryParse(text, ignoreCase: true, out kind);
    }

    private const string HiddenCharacters = "must not contain control characters (NUL, a line break, a tab) or invisible ones (text direction, zero width): no Jira name holds one, so the rule would never fire";

    /// <summary>
    /// Control and format characters (U+202E, zero-width, BOM) inside a name: Jira's project keys, issue type names and
    /// field ids hold none, so a rule saved with one never fires and the admin sees nothing wrong (U+202E even shows the
    /// name reversed). Refused at save only: a rule stored before this check still compiles, and simply never matches.
    /// </summary>
    private static bool HasHiddenCharacters(string name) => DisplayText.HasControlOrFormatCharacters(name);

    private static HashSet<string>? Names(IReadOnlyList<string>? names, string path, ValidationErrors errors, bool save)
    {
        if (names is null)
        {
            return null;
        }

        if (names.Count > RuleLimits.MaxListItems)
        {
            errors.Add(path, $"may list at most {RuleLimits.MaxListItems} values");
            return null;
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]) || names[i].Length > 255)
            {
                errors.Add($"{path}[{i}]", "must be a non-empty name of at most 255 characters");
            }
            else if (save && HasHiddenCharacters(names[i]))
            {
                errors.Add($"{path}[{i}]", HiddenCharacters);
            }
        }

        // Compared as Jira compares them: project keys are unique ignoring case and issue type names too, and a
        // space typed around a name would otherwise make the rule silently never fire.
        return new HashSet<string>(names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()), StringComparer.OrdinalIgnoreCase);
    }
}
