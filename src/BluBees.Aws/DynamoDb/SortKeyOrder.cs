namespace BluBees.Aws.DynamoDb;

/// <summary>
/// DynamoDB orders string keys by their UTF-8 bytes, that is by Unicode code point. .NET's ordinal comparison
/// orders UTF-16 code units, which differs for surrogate pairs (U+10000 and up sort below U+E000–U+FFFF).
/// Client-side range checks use this comparer so that they agree with the server.
/// </summary>
internal static class SortKeyOrder
{
    public static int Compare(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                return Weight(a[i]).CompareTo(Weight(b[i]));
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    // Code-point order over UTF-16: move U+E000–U+FFFF below the surrogates, the surrogates to the top.
    private static int Weight(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
