namespace BluBees.Engine.Validation;

/// <summary>
/// Field-keyed validation messages, keyed by JSON path (<c>steps[0].path</c>), as RFC 7807
/// <c>errors</c> expects. Messages never echo customer values, only the admin's own config text.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    public int Count => _errors.Values.Sum(v => v.Count);

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var list))
        {
            _errors[path] = list = [];
        }

        if (list.Count < 20)
        {
            list.Add(message);
        }
    }

    /// <summary>Whether <paramref name="path"/> already has a message (a more precise check spoke first).</summary>
    public bool Has(string path) => _errors.ContainsKey(path);

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString() => string.Join("; ", _errors.Select(p => $"{p.Key}: {string.Join(", ", p.Value)}"));
}
