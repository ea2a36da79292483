using BluBees.Engine.Events;

namespace BluBees.Engine.Runs;

/// <summary>
/// The issue id and key a run record or a rule-trace entry keeps: a Jira issue id (digits) and a Jira issue key
/// (<see cref="EventShape.IsIssueKey"/>), the shapes the ingress requires of an event's; anything else is left out. A
/// manual run's issue, and a scheduled search's, come from Jira's answer, which is pass-through data like any other:
/// before, whatever its <c>id</c> and <c>key</c> held was kept verbatim in the record, the runs API and the support
/// staff's reads (<c>ManualRunIssueTests.An_answer_whose_issue_id_or_key_is_not_jiras_shape_…</c>).
/// </summary>
internal static class RecordedIssue
{
    /// <summary>The event's issue id when it is one (1 to 20 digits), else null; never throws.</summary>
    public static string? IdOf(JiraEvent? evt)
        => Read(() => evt?.IssueId) is { Length: > 0 and <= 20 } id && id.All(char.IsAsciiDigit) ? id : null;

    /// <summary>The event's issue key when it is one, else null; never throws.</summary>
    public static string? KeyOf(JiraEvent? evt)
        => Read(() => evt?.IssueKey) is { } key && EventShape.IsIssueKey(key) ? key : null;

    private static string? Read(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
