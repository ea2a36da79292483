using System.Text.Json.Nodes;

namespace BluBees.Engine.Execution;

/// <summary>A dry run's preview of one request: what the step would send, every secret masked.</summary>
public sealed record DryRunRequest(string StepId, string Method, string Url, IReadOnlyDictionary<string, string> Headers, JsonNode? Body)
{
    /// <summary>Where the step sits in the rule, e.g. <c>steps[1].steps[0]</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Inside a loop: the (innermost) iteration the request belongs to.</summary>
    public int? Index { get; init; }
}

/// <summary>Why a dry run could not build a step's request (a template error, a missing connection): a category and a message, no value.</summary>
public sealed record DryRunError(string? Path, string Category, string Message);
