using BluBees.Engine.Templates;

namespace BluBees.Engine.Steps.Jira;

/// <summary>One multi-value operation of <c>jira.edit</c>'s <c>update</c>: <c>add</c>, <c>remove</c> or <c>set</c>, with its value template.</summary>
internal sealed record JiraUpdateOperation(string Op, CompiledBody Value);

/// <summary>
/// The compiled parts of the Jira kinds beyond comment, edit fields and transition: <c>jira.edit</c>'s <c>update</c>,
/// <c>jira.create</c>, <c>jira.assign</c>, <c>jira.link</c> and <c>jira.search</c>. Every template parsed once.
/// </summary>
internal sealed record JiraStepExtras
{
    public static readonly JiraStepExtras None = new();

    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<JiraUpdateOperation>>> Update { get; init; } = [];
    public Template? Project { get; init; }
    public Template? IssueType { get; init; }
    public Template? Parent { get; init; }
    public Template? Assignee { get; init; }
    public Template? LinkType { get; init; }
    public Template? InwardIssue { get; init; }
    public Template? OutwardIssue { get; init; }
    public Template? Jql { get; init; }
    public IReadOnlyList<string> Select { get; init; } = [];
    public int MaxResults { get; init; } = JiraExtraCompiler.DefaultMaxResults;
}
