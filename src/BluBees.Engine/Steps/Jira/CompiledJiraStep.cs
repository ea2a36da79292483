using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// A compiled Jira action (<c>jira.comment</c>, <c>jira.edit</c>, <c>jira.transition</c>, <c>jira.fetch</c>, <c>jira.create</c>, <c>jira.assign</c>, <c>jira.link</c>, <c>jira.search</c>): every
/// template parsed once per rule version. <see cref="Issue"/> null means the event's issue.
/// </summary>
internal sealed record CompiledJiraStep(
    string Id,
    string Kind,
    Template? Issue,
    CompiledBody? Comment,
    IReadOnlyList<KeyValuePair<string, CompiledBody?>> Fields,
    Template? TransitionName,
    Template? TransitionId,
    bool ContinueOnError,
    JiraStepExtras? Extras = null) : ICompiledStep
{
    public const string CommentKind = "jira.comment";
    public const string EditKind = "jira.edit";
    public const string TransitionKind = "jira.transition";
    public const string FetchKind = "jira.fetch";
    public const string CreateKind = "jira.create";
    public const string AssignKind = "jira.assign";
    public const string LinkKind = "jira.link";
    public const string SearchKind = "jira.search";

    public static readonly IReadOnlyList<string> Kinds = [CommentKind, EditKind, TransitionKind, FetchKind, CreateKind, AssignKind, LinkKind, SearchKind];

    /// <summary>The kind-specific parts beyond comment, fields and transition (never null).</summary>
    public JiraStepExtras More => Extras ?? JiraStepExtras.None;

    public string? ConnectionId => null;

    public string Method => Kind switch
    {
        CommentKind or TransitionKind or CreateKind or LinkKind or SearchKind => "POST",
        EditKind or AssignKind => "PUT",
        _ => "GET",
    };

    /// <summary>Whether the step changes Jira (and so can cause events that re-trigger rules). A search is a POST that reads.</summary>
    public bool Writes => Kind is not (FetchKind or SearchKind);

    /// <summary>
    /// Whether a compiled step writes to Jira: the loop guard counts only rules that do. A block (or a step with an
    /// <c>if</c>) writes when any step inside it does.
    /// </summary>
    public static bool IsWrite(ICompiledStep step)
        => step is CompiledJiraStep { Writes: true } || step is Flow.IStepContainer container && container.Children.Any(IsWrite);
}
