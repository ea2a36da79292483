using System.Collections.Concurrent;

namespace BluBees.Engine.Common;

/// <summary>
/// A value parsed from a stored item's text, kept beside that text so that the same text is not parsed again (issue 14:
/// per-event parses of items that rarely change). The caller still reads the item every time, so any change to it is
/// seen by the next read; only an identical text (ordinal comparison) reuses the parse. Bounded: past its capacity it
/// starts over. Safe for concurrent use.
/// </summary>
public sealed class ParsedTextCache<TKey, TValue>(int capacity)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    public int Count => _entries.Count;

    /// <summary>The value parsed from exactly <paramref name="text"/> under <paramref name="key"/>, if kept.</summary>
    public bool TryGet(TKey key, string text, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && string.Equals(entry.Text, text, StringComparison.Ordinal))
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Keep(TKey key, string text, TValue value)
    {
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        _entries[key] = new Entry(text, value);
    }

    /// <summary>The kept value for exactly this text, or <paramref name="parse"/>'s (then kept).</summary>
    public TValue GetOrParse(TKey key, string text, Func<string, TValue> parse)
    {
        if (TryGet(key, text, out var value))
        {
            return value;
        }

        value = parse(text);
        Keep(key, text, value);
        return value;
    }

    public void Remove(TKey key) => _entries.TryRemove(key, out _);

    public void RemoveWhere(Func<TKey, bool> match)
    {
        foreach (var key in _entries.Keys)
        {
            if (match(key))
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed record Entry(string Text, TValue Value);
}
