using System.Text.Json.Nodes;

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

/// <summary>A schedule driven by the hourly Forge scheduled trigger.</summary>
public sealed record ScheduleDefinition
{
    public int? EveryHours { get; init; }
}

/// <summary>
/// A condition tree node: a group (<see cref="All"/> or <see cref="Any"/>) or a leaf (<see cref="Field"/>,
/// <see cref="Op"/>, <see cref="Value"/>; <see cref="From"/>/<see cref="To"/> for <c>changed</c>).
/// </summary>
public sealed record ConditionNode
{
    public IReadOnlyList<ConditionNode>? All { get; init; }
    public IReadOnlyList<ConditionNode>? Any { get; init; }
    public string? Field { get; init; }
    public string? Op { get; init; }
    public JsonNode? Value { get; init; }
    public string? From { get; init; }
    public string? To { get; init; }
}

/// <summary>
/// One step. Type <c>http</c>: a request to a connection (path) or an absolute URL template. Type <c>transfer</c>:
/// <see cref="Source"/>'s response body streamed into <see cref="Destination"/>'s request, at most <see cref="MaxBytes"/>.
/// </summary>
public sealed record StepDefinition
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? Connection { get; init; }
    public string? Method { get; init; }
    public string? Path { get; init; }
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public IReadOnlyDictionary<string, string>? Query { get; init; }
    public JsonNode? Body { get; init; }
    public int? TimeoutSeconds { get; init; }
    public string? OnError { get; init; }
    public TransferEndpointDefinition? Source { get; init; }
    public TransferEndpointDefinition? Destination { get; init; }
    public long? MaxBytes { get; init; }
}
