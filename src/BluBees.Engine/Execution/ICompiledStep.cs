namespace BluBees.Engine.Execution;

/// <summary>
/// A validated step of one rule version, its templates compiled once; immutable and shared between runs.
/// Each step kind (<see cref="Kind"/>) has one compiler in <c>Steps.StepKinds</c> and one <see cref="IStepExecutor"/>.
/// </summary>
public interface ICompiledStep
{
    /// <summary>The rule-unique step id; later steps read its output as <c>steps.&lt;id&gt;</c>.</summary>
    string Id { get; }

    /// <summary>The step's <c>type</c> in a rule, e.g. <c>http</c>.</summary>
    string Kind { get; }

    /// <summary>The tenant connection the step uses, if any.</summary>
    string? ConnectionId { get; }

    /// <summary>Every tenant connection the step uses (a connection in use cannot be deleted).</summary>
    IReadOnlyList<string> ConnectionIds => ConnectionId is null ? [] : [ConnectionId];

    /// <summary>The HTTP method the step sends, when there is exactly one (run metadata).</summary>
    string? Method { get; }

    /// <summary>Whether the rule goes on to the next step after this one fails.</summary>
    bool ContinueOnError { get; }
}
