using System.Collections.Frozen;

namespace BluBees.Engine.Templates;

/// <summary>
/// Notices, while templates compile, a path that may name a Jira field by its display name, so a run loads the site's
/// field list (<c>Steps.Jira.JiraFieldCatalog</c>) only for rules that need it. A candidate is a name with a space
/// (<c>issue.Story Points</c>) anywhere, or a member of <c>issue</c>, <c>triggerIssue</c> or a <c>fields</c> object that
/// is neither a REST key, a system field id nor <c>customfield_N</c> (<c>issue.Sprint</c>, <c>fields["Team"]</c>).
/// Compilation is synchronous, so a thread-static observer is exact; with no observer this costs nothing.
/// </summary>
internal static class FieldNameUse
{
    /// <summary>Issue REST keys, the short paths of <see cref="JiraShortcuts"/> and Jira's system field ids.</summary>
    private static readonly FrozenSet<string> Known = new[]
    {
        "key", "id", "self", "fields", "expand", "names", "schema", "renderedFields", "changelog", "url", "toUrl", "comments",
        "size", "first", "last",
        "summary", "description", "status", "statusCategory", "issuetype", "issueType", "priority", "assignee", "reporter",
        "creator", "labels", "components", "fixVersions", "versions", "duedate", "dueDate", "created", "updated",
        "resolution", "resolutiondate", "resolutionDate", "project", "parent", "subtasks", "issuelinks", "issueLinks",
        "attachment", "comment", "worklog", "timetracking", "environment", "watches", "votes", "security",
        "statuscategorychangedate", "lastViewed", "progress", "aggregateprogress", "timeestimate", "timeoriginalestimate",
        "timespent", "aggregatetimespent", "aggregatetimeestimate", "aggregatetimeoriginalestimate", "workratio",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    [ThreadStatic]
    private static Observer? _current;

    /// <summary>Observes the templates compiled on this thread until disposed (nested observers each see their own).</summary>
    public static Observer Observe() => new();

    /// <summary>Called by the parser for each member name read from <paramref name="parent"/> (null: not a plain name).</summary>
    internal static void Member(string? parent, string name, bool isFunction)
    {
        if (_current is null || isFunction)
        {
            return;
        }

        var candidate = name.Contains(' ', StringComparison.Ordinal)
            || (parent is "issue" or "triggerIssue" or "fields" && !Known.Contains(name) && !IsCustomFieldId(name));
        if (candidate)
        {
            _current.UsesFieldNames = true;
        }
    }

    private static bool IsCustomFieldId(string name) =>
        name.StartsWith("customfield_", StringComparison.Ordinal) && name.Length > 12 && !name.AsSpan(12).ContainsAnyExceptInRange('0', '9');

    public sealed class Observer : IDisposable
    {
        private readonly Observer? _previous;

        internal Observer()
        {
            _previous = _current;
            _current = this;
        }

        /// <summary>True when a template compiled under this observer may name a field by its display name.</summary>
        public bool UsesFieldNames { get; internal set; }

        public void Dispose()
        {
            if (_current == this)
            {
                _current = _previous;
                if (_previous is not null)
                {
                    _previous.UsesFieldNames |= UsesFieldNames;
                }
            }
        }
    }
}
