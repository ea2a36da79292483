using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps;

/// <summary>An <c>http</c> step: a request to a connection (<see cref="Path"/>) or an absolute <see cref="Url"/> template.</summary>
public sealed record HttpStepDefinition : StepDefinition
{
    public HttpStepDefinition() => Type = CompiledHttpStep.KindName;

    public string? Connection { get; init; }
    public string? Method { get; init; }
    public string? Path { get; init; }
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public IReadOnlyDictionary<string, string>? Query { get; init; }
    public JsonNode? Body { get; init; }
    public int? TimeoutSeconds { get; init; }
}
