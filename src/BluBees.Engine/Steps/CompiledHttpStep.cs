using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>A compiled HTTP step: every template parsed once per rule version.</summary>
internal sealed record CompiledHttpStep(
    string Id,
    string? ConnectionId,
    string Method,
    Template? Path,
    Template? Url,
    IReadOnlyList<KeyValuePair<string, Template>> Headers,
    IReadOnlyList<KeyValuePair<string, Template>> Query,
    CompiledBody? Body,
    TimeSpan Timeout,
    bool ContinueOnError) : ICompiledStep
{
    public const string KindName = "http";

    public string Kind => KindName;

    string? ICompiledStep.Method => Method;
}
