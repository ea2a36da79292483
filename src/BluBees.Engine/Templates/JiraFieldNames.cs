using System.Collections.Frozen;

namespace BluBees.Engine.Templates;

/// <summary>
/// A Jira site's field display names → field ids, so <c>{{issue.Story Points}}</c> and
/// <c>{{issue.fields["Story Points"]}}</c> read <c>customfield_10016</c>. Names match case-insensitively and trimmed,
/// as Jira Automation matches them (https://support.atlassian.com/cloud-automation/docs/what-are-smart-values/ "Accessing
/// issue fields"); a name two fields share is left out (use the id, as Jira advises). Immutable; the run's instance is
/// ambient (<see cref="Current"/>) like <see cref="RunBudget.Current"/>, so every render of the run sees it without
/// each step passing it along, and a render never calls Jira.
/// </summary>
public sealed class JiraFieldNames
{
    /// <summary>Most fields kept from one site's list (large sites have a few thousand).</summary>
    public const int MaxFields = 20_000;

    private static readonly AsyncLocal<JiraFieldNames?> Ambient = new();

    private readonly FrozenDictionary<string, string> _ids;

    private JiraFieldNames(FrozenDictionary<string, string> ids) => _ids = ids;

    /// <summary>The field names of the run executing on this async flow, or null when none were loaded.</summary>
    public static JiraFieldNames? Current => Ambient.Value;

    public int Count => _ids.Count;

    /// <summary>Builds the map from (id, name) pairs as <c>GET /rest/api/3/field</c> lists them.</summary>
    public static JiraFieldNames From(IEnumerable<(string Id, string Name)> fields)
    {
        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var ambiguous = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, name) in fields.Take(MaxFields))
        {
            var key = name.Trim();
            if (key.Length == 0 || id.Length == 0 || ambiguous.Contains(key))
            {
                continue;
            }

            if (ids.TryGetValue(key, out var existing) && existing != id)
            {
                ids.Remove(key);
                ambiguous.Add(key);
                continue;
            }

            ids[key] = id;
        }

        return new JiraFieldNames(ids.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The id of the field with this display name, or null (unknown or ambiguous).</summary>
    public string? IdFor(string name) => name.Length is > 0 and <= 255 && _ids.TryGetValue(name.Trim(), out var id) ? id : null;

    /// <summary>Makes these the <see cref="Current"/> field names of the calling async flow until disposed.</summary>
    public IDisposable Activate()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Restore(previous);
    }

    private sealed class Restore(JiraFieldNames? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Ambient.Value = previous;
            }
        }
    }
}
