namespace BluBees.Engine.Events;

/// <summary>The Jira product events rules can name (see FORGE.md; there is no "transitioned" event).</summary>
public static class EventTypes
{
    public const string IssueCreated = "avi:jira:created:issue";
    public const string IssueUpdated = "avi:jira:updated:issue";
    public const string IssueDeleted = "avi:jira:deleted:issue";
    public const string IssueAssigned = "avi:jira:assigned:issue";
    public const string IssueCommented = "avi:jira:commented:issue";
    public const string CommentDeleted = "avi:jira:deleted:comment";
    public const string IssueMentioned = "avi:jira:mentioned:issue";

    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        IssueCreated, IssueUpdated, IssueDeleted, IssueAssigned, IssueCommented, CommentDeleted, IssueMentioned,
    };
}
