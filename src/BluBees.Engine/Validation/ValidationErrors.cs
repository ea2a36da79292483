namespace BluBees.Engine.Validation;

/// <summary>
/// Field-keyed validation messages, keyed by JSON path (<c>steps[0].path</c>), as RFC 7807
/// <c>errors</c> expects. Messages never echo customer values, only the admin's own config text, and that only as a
/// short excerpt: every quoted part (<c>'…'</c>) is cut to <see cref="MaxQuoted"/> characters and its control and
/// text-direction characters are replaced (see <see cref="Bound"/>), so a 60,000-character trigger type does not
/// come back whole, nor a line break or a right-to-left override.
/// </summary>
public sealed partial class ValidationErrors
{
    /// <summary>The longest excerpt of a submitted value a message quotes.</summary>
    public const int MaxQuoted = 60;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public int Count => _errors.Values.Sum(v => v.Count);

    public void Add(string path, string message)
    {
        path = SafePath(path);
        if (!_errors.TryGetValue(path, out var list))
        {
            _errors[path] = list = [];
        }

        if (list.Count < 20)
        {
            list.Add(Bound(message));
        }
    }

    /// <summary>The message with each quoted part bounded (see the class summary); the rest of the text is ours.</summary>
    public static string Bound(string message)
    {
        if (message.Length <= 2 * MaxQuoted && !HasUnsafe(message))
        {
            return message;
        }

        var bounded = Unsafe().Replace(Quoted().Replace(message, m =>
        {
            var inner = m.Groups[1].Value;
            return "'" + (inner.Length > MaxQuoted ? inner[..MaxQuoted] + "…" : inner) + "'";
        }), "?");

        // A value with a quote of its own unbalances the pairs above: the whole message is bounded too.
        return bounded.Length > MaxMessage ? bounded[..MaxMessage] + "…" : bounded;
    }

    /// <summary>The longest message kept whole (ours are far shorter; only a submitted value can make one longer).</summary>
    public const int MaxMessage = 1000;

    private static bool HasUnsafe(string text) => Unsafe().IsMatch(text);

    // A quoted part: from a quote to the next quote (names and values are quoted so in every message).
    [System.Text.RegularExpressions.GeneratedRegex("'([^']*)'", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Quoted();

    // Control characters and the bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069).
    [System.Text.RegularExpressions.GeneratedRegex("[\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069]", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex Unsafe();

    /// <summary>Whether <paramref name="path"/> already has a message (a more precise check spoke first).</summary>
    public bool Has(string path) => _errors.ContainsKey(SafePath(path));

    /// <summary>The longest property name a path shows (longer ones are input, not ours).</summary>
    public const int MaxSegment = 64;

    /// <summary>
    /// A path as errors show it. Its names can be the admin's own (a header, a query parameter, a Jira field, a schema
    /// property): each one that is not short and plain (<see cref="SafeName"/>) is shown as <c>(property)</c>, so a
    /// header named <c>Authorization: Bearer …</c> or a 20,000-character name never comes back in an error key.
    /// </summary>
    public static string SafePath(string path)
    {
        if (path.Length <= MaxSegment && path.All(c => IsNameChar(c) || c is '.' or '[' or ']'))
        {
            return path;
        }

        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            // A segment is a name followed by indexes (steps[0][1]); only the name can be input.
            var segment = segments[i];
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var indexes = bracket >= 0 && IsIndexes(segment[bracket..]) ? segment[bracket..] : string.Empty;
            var name = segment[..(segment.Length - indexes.Length)];
            segments[i] = (name.Length == 0 && indexes.Length > 0 ? name : SafeName(name)) + indexes;
        }

        return string.Join('.', segments);
    }

    /// <summary>A property name fit to appear in an error: short and plain, else a placeholder (names are input too).</summary>
    public static string SafeName(string name)
        => name.Length is > 0 and <= MaxSegment && name.All(IsNameChar) ? name : "(property)";

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$' or '@' or ':';

    private static bool IsIndexes(string text)
        => text.Length >= 3 && text[0] == '[' && text[^1] == ']' && text.All(c => char.IsAsciiDigit(c) || c is '[' or ']');

    /// <summary>
    /// The same errors with their paths under <paramref name="member"/>, for a definition sent as a member of a body
    /// (the unsaved dry run's <c>rule</c>: <c>steps[0].path</c> becomes <c>rule.steps[0].path</c>, as a wrong type there
    /// is named), so that every path names the field from the body's root.
    /// </summary>
    public ValidationErrors Under(string member)
    {
        var nested = new ValidationErrors();
        foreach (var (path, messages) in _errors)
        {
            nested._errors[path.Length == 0 || path == "$" ? member : path.StartsWith('[') ? member + path : $"{member}.{path}"] = [.. messages];
        }

        return nested;
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString() => string.Join("; ", _errors.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"));
}
