using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Engine.Conditions;

namespace BluBees.Engine.Steps;

/// <summary>
/// One step of a rule: the fields every step has. Each kind's own fields live on its definition record, in the kind's
/// folder (<see cref="HttpStepDefinition"/>, <c>Jira.JiraCommentStepDefinition</c>, <c>Ai.AiChatStepDefinition</c>,
/// <c>Transfer.TransferStepDefinition</c>, <c>Flow.IfStepDefinition</c>, ...), named by its <see cref="IStepKind"/>.
/// The wire format stays one flat object, <c>{"id": ..., "type": "http", "connection": ...}</c>:
/// <see cref="StepDefinitionConverter"/> picks the record by <see cref="Type"/>.
/// </summary>
[JsonConverter(typeof(StepDefinitionConverter))]
public abstract record StepDefinition
{
    [JsonPropertyOrder(-2)]
    public string? Id { get; init; }

    /// <summary>The kind (<c>http</c>, <c>jira.comment</c>, ..., <c>if</c>, <c>forEach</c>); a kind's record sets its own by default.</summary>
    [JsonPropertyOrder(-1)]
    public string? Type { get; init; }

    /// <summary>
    /// A condition (the <c>conditions</c> grammar) over the run scope, earlier steps' outputs included; false skips the
    /// step. Type <c>if</c>: the condition that picks <c>then</c> or <c>else</c>.
    /// </summary>
    public ConditionNode? If { get; init; }

    /// <summary><c>stop</c> (default) or <c>continue</c>: whether a failure of this step ends the run.</summary>
    public string? OnError { get; init; }

    /// <summary>
    /// Fields the JSON carried that belong to another kind (by their JSON names), kept rather than refused when read so
    /// that a stored rule loads and runs as it did; a save refuses them (<c>Rules.StepListCompiler</c>), naming each.
    /// Written back as they were. Empty for a step built in code.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement> ForeignFields { get; init; } = NoFields;

    private static readonly IReadOnlyDictionary<string, JsonElement> NoFields = new Dictionary<string, JsonElement>();
}

/// <summary>
/// A step whose <c>type</c> is missing or names no kind: only the common fields are read (the others are kept as
/// <see cref="StepDefinition.ForeignFields"/>), so that the compiler names the type as the problem, not its fields.
/// </summary>
public sealed record UnknownStepDefinition : StepDefinition;
