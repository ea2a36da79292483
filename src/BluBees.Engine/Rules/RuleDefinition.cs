using BluBees.Engine.Conditions;
using BluBees.Engine.Steps;

namespace BluBees.Engine.Rules;

/// <summary>
/// A rule as admins write it (API and stored form). Properties are nullable so that the validator, not the
/// deserializer, names every missing field precisely.
/// </summary>
public sealed record RuleDefinition
{
    public string? Name { get; init; }
    public bool? Enabled { get; init; }
    public TriggerDefinition? Trigger { get; init; }
    public ConditionNode? Conditions { get; init; }
    public IReadOnlyList<StepDefinition>? Steps { get; init; }
}

/// <summary>When a rule fires. <see cref="Type"/>: event, schedule, manual or webhook.</summary>
public sealed record TriggerDefinition
{
    public string? Type { get; init; }
    public IReadOnlyList<string>? Events { get; init; }
    public IReadOnlyList<string>? Projects { get; init; }
    public IReadOnlyList<string>? IssueTypes { get; init; }
    public FieldChangeDefinition? FieldChanged { get; init; }
    public ScheduleDefinition? Schedule { get; init; }
    public string? WebhookId { get; init; }
}

/// <summary>A field that changed in the event's changelog, optionally from/to given values (e.g. status).</summary>
public sealed record FieldChangeDefinition
{
    public string? Field { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
}

/// <summary>A schedule: <see cref="EveryHours"/> (legacy) or a 5-field <see cref="Cron"/> in <see cref="TimeZone"/>, optionally per issue of a <see cref="Jql"/>.</summary>
public sealed record ScheduleDefinition
{
    public int? EveryHours { get; init; }
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public string? Jql { get; init; }
    public int? MaxIssues { get; init; }
}
