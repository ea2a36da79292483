using BluBees.Engine.Storage;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// The key condition of one query, derived from the engine's half-open range [Low, High) of
/// <see cref="SortKeyRange.For"/>. DynamoDB has no half-open sort-key condition, so the query uses the
/// inclusive <c>BETWEEN :lo AND :hi</c> (or <c>sk &lt;= :hi</c> when the low bound is the empty string, which
/// DynamoDB refuses as a key value) and the store drops an item equal to <see cref="ExcludedHigh"/>.
/// When High is "x\0" — the successor of an inclusive bound "x" — nothing lies between "x" and "x\0", so the
/// inclusive bound is exactly "x" and nothing has to be dropped (and no NUL character is sent).
/// </summary>
internal sealed record KeyBounds(string Low, string HighInclusive, string? ExcludedHigh, string? ExclusiveStart)
{
    /// <summary>Null when the range (after the cursor) is empty and DynamoDB need not be asked.</summary>
    public static KeyBounds? For(QueryRequest request)
    {
        var (low, high) = SortKeyRange.For(request);
        var inclusive = high.EndsWith('\0') ? high[..^1] : high;
        var excluded = high.EndsWith('\0') ? null : high;
        if (SortKeyOrder.Compare(low, inclusive) > 0)
        {
            return null;
        }

        string? start = null;
        if (request.StartAfter is { } after)
        {
            if (!request.Descending)
            {
                // Items after the cursor: none when the cursor is at or past the top; all when it is below the range.
                if (SortKeyOrder.Compare(after, inclusive) >= 0)
                {
                    return null;
                }

                start = after.Length > 0 && SortKeyOrder.Compare(after, low) >= 0 ? after : null;
            }
            else
            {
                if (SortKeyOrder.Compare(after, low) <= 0)
                {
                    return null;
                }

                start = SortKeyOrder.Compare(after, inclusive) <= 0 ? after : null;
            }
        }

        // The exclusive start key always lies inside [Low, HighInclusive]: DynamoDB rejects one outside the key condition.
        return new KeyBounds(low, inclusive, excluded, start);
    }

    public bool Admits(string sk) => ExcludedHigh is null || SortKeyOrder.Compare(sk, ExcludedHigh) < 0;
}
