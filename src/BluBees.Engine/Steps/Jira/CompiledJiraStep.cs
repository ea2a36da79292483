using BluBees.Engine.Templates;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// A compiled Jira action (<c>jira.comment</c>, <c>jira.edit</c>, <c>jira.transition</c>, <c>jira.fetch</c>): every
/// template parsed once per rule version. <see cref="Issue"/> null means the event's issue.
/// </summary>
public sealed record CompiledJiraStep(
    string Id,
    string Kind,
    Template? Issue,
    CompiledBody? Comment,
    IReadOnlyList<KeyValuePair<string, CompiledBody?>> Fields,
    Template? TransitionName,
    Template? TransitionId,
    bool ContinueOnError) : ICompiledStep
{
    public const string CommentKind = "jira.comment";
    public const string EditKind = "jira.edit";
    public const string TransitionKind = "jira.transition";
    public const string FetchKind = "jira.fetch";

    public static readonly IReadOnlyList<string> Kinds = [CommentKind, EditKind, TransitionKind, FetchKind];

    public string? ConnectionId => null;

    public string Method => Kind switch
    {
        CommentKind or TransitionKind => "POST",
        EditKind => "PUT",
        _ => "GET",
    };

    /// <summary>Whether the step changes the issue (and so can cause events that re-trigger rules).</summary>
    public bool Writes => Kind != FetchKind;

    /// <summary>Whether a compiled step writes to Jira: the loop guard counts only rules that do.</summary>
    public static bool IsWrite(ICompiledStep step) => step is CompiledJiraStep { Writes: true };
}
