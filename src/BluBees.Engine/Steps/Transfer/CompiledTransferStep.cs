using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// A compiled transfer step: two HTTP requests (compiled like <c>http</c> steps, without bodies), the source's
/// response body streamed into the destination's request body. The source is either an HTTP request
/// (<see cref="Source"/>) or a Jira attachment of the event's site (<see cref="JiraAttachment"/>, its id template).
/// </summary>
internal sealed record CompiledTransferStep(
    string Id,
    CompiledHttpStep? Source,
    Template? JiraAttachment,
    CompiledHttpStep Destination,
    long? MaxBytes,
    TimeSpan Timeout,
    bool ContinueOnError) : ICompiledStep
{
    public const string KindName = "transfer";

    public string Kind => KindName;

    /// <summary>The destination's connection (or the source's when the destination has none): run metadata.</summary>
    public string? ConnectionId => Destination.ConnectionId ?? Source?.ConnectionId;

    public IReadOnlyList<string> ConnectionIds => [.. new[] { Source?.ConnectionId, Destination.ConnectionId }.OfType<string>().Distinct(StringComparer.Ordinal)];

    public string? Method => Destination.Method;
}
