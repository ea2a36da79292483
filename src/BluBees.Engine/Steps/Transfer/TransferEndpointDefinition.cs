namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// One side of a <c>transfer</c> step: a request to a connection (<see cref="Path"/>) or an absolute
/// <see cref="Url"/>, with templated headers and query, like an <c>http</c> step without a body. A source may
/// instead be a Jira attachment of the event's site (<see cref="JiraAttachment"/>), fetched with the Forge system token.
/// </summary>
public sealed record TransferEndpointDefinition
{
    public string? Connection { get; init; }
    public string? Method { get; init; }
    public string? Path { get; init; }
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public IReadOnlyDictionary<string, string>? Query { get; init; }

    /// <summary>Source only: a template rendering a Jira attachment id (digits), instead of connection/url.</summary>
    public string? JiraAttachment { get; init; }
}
