namespace BluBees.Engine.Storage;

/// <summary>Turns a prefix plus optional inclusive bounds into one half-open range [Low, High).</summary>
public static class SortKeyRange
{
    public static (string Low, string High) For(QueryRequest request)
    {
        var low = request.SkPrefix;
        var high = PrefixEnd(request.SkPrefix);
        if (request.SkFrom is { } from && string.CompareOrdinal(from, low) > 0)
        {
            low = from;
        }

        if (request.SkTo is { } to)
        {
            // Inclusive upper bound: everything strictly below the successor of "to".
            var toExclusive = to + '\0';
            if (string.CompareOrdinal(toExclusive, high) < 0)
            {
                high = toExclusive;
            }
        }

        return (low, high);
    }

    /// <summary>The smallest string greater than every string that starts with <paramref name="prefix"/>.</summary>
    public static string PrefixEnd(string prefix)
    {
        if (prefix.Length == 0)
        {
            return "\uffff";
        }

        var chars = prefix.ToCharArray();
        for (var i = chars.Length - 1; i >= 0; i--)
        {
            if (chars[i] < '\uffff')
            {
                chars[i]++;
                return new string(chars, 0, i + 1);
            }
        }

        return prefix + "\uffff";
    }
}
