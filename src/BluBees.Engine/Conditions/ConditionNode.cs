using System.Text.Json.Nodes;

namespace BluBees.Engine.Conditions;

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
