namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// The fields a Jira site has, from "Get fields" (<c>GET /rest/api/3/field</c>:
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get),
/// as ids (the keys of <c>issue.fields</c>, e.g. <c>summary</c>, <c>customfield_10016</c>) and names (what a changelog
/// item's <c>field</c> says, e.g. <c>status</c>, <c>Story Points</c>).
/// </summary>
public sealed class JiraFieldSet(IEnumerable<(string Id, string? Name)> fields)
{
    private readonly List<(string Id, string? Name)> _fields = [.. fields.Where(f => !string.IsNullOrEmpty(f.Id))];

    public IEnumerable<string> Ids => _fields.Select(f => f.Id);

    /// <summary>Whether <c>issue.fields.&lt;id&gt;</c> exists: ids are matched exactly, as the scope looks them up.</summary>
    public bool HasId(string id) => _fields.Exists(f => string.Equals(f.Id, id, StringComparison.Ordinal));

    /// <summary>Whether a changelog can name the field: by id or name, ignoring case (as the trigger matches it).</summary>
    public bool HasIdOrName(string field) => _fields.Exists(f =>
        string.Equals(f.Id, field, StringComparison.OrdinalIgnoreCase) || string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every id and name, for "did you mean" suggestions.</summary>
    public IEnumerable<string> IdsAndNames => _fields.SelectMany(f => f.Name is null ? [f.Id] : new[] { f.Id, f.Name });
}
