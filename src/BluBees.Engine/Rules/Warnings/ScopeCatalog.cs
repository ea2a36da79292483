namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// What a run's scope holds (see <see cref="Events.EventScope"/>): its roots, and the properties of those roots whose
/// shape BluBees itself fixes. Other parts (comment, user, project, webhook bodies) come as Jira or the sender made them
/// and are not checked below their root.
/// </summary>
internal static class ScopeCatalog
{
    /// <summary>The event scope's roots, then the Jira Automation roots templates resolve (Templates/SmartRoots.cs).</summary>
    public static readonly IReadOnlyList<string> Roots =
        ["issue", "changelog", "comment", "user", "project", "associatedStatuses", "webhook", "event", "steps", "now", "triggerIssue", "initiator", "fieldChange", "baseUrl"];

    /// <summary>Jira Automation's issue properties that templates resolve without <c>fields</c> (Templates/JiraShortcuts.cs).</summary>
    public static readonly IReadOnlyList<string> IssueShortcuts = ["url", "toUrl", "description", "comments"];

    /// <summary>Properties of <c>issue</c> in Forge's issue events (issue fields live under <c>issue.fields</c>).</summary>
    public static readonly IReadOnlyList<string> IssueProperties = ["id", "key", "self", "fields"];

    public static readonly IReadOnlyList<string> EventProperties = ["type", "timestamp", "source"];

    public static readonly IReadOnlyList<string> ChangelogProperties = ["id", "items"];

    /// <summary>The closest candidate within a small edit distance (a typo), or null.</summary>
    public static string? Closest(string written, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        var limit = Math.Clamp((written.Length + 1) / 3, 1, 3);
        foreach (var candidate in candidates.Distinct(StringComparer.Ordinal))
        {
            if (Math.Abs(candidate.Length - written.Length) > limit)
            {
                continue;
            }

            var distance = Distance(written.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance <= limit && distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best;
    }

    public static string Suggest(string written, IEnumerable<string> candidates)
        => Closest(written, candidates) is { } close && close != written ? $" Did you mean '{close}'?" : string.Empty;

    /// <summary>Levenshtein distance with two rows; inputs are short names from the rule.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
