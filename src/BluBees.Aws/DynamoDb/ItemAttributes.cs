using System.Globalization;
using Amazon.DynamoDBv2.Model;
using BluBees.Engine.Storage;

namespace BluBees.Aws.DynamoDb;

/// <summary>
/// The table's attributes: <c>pk</c> (S, hash), <c>sk</c> (S, range), <c>data</c> (S), <c>ttl</c> (N, Unix
/// seconds, only when the item expires) and <c>rev</c> (N). Expressions always name them through
/// <c>#</c> placeholders (<c>data</c> and <c>ttl</c> are DynamoDB reserved words).
/// </summary>
internal static class ItemAttributes
{
    public const string Pk = "pk";
    public const string Sk = "sk";
    public const string Data = "data";
    public const string Ttl = "ttl";
    public const string Rev = "rev";

    public static Dictionary<string, AttributeValue> Key(string pk, string sk) => new()
    {
        [Pk] = S(pk),
        [Sk] = S(sk),
    };

    public static Dictionary<string, AttributeValue> ToItem(StoreItem item, long revision)
    {
        var attributes = Key(item.Pk, item.Sk);
        attributes[Data] = S(item.Data);
        attributes[Rev] = N(revision);
        if (item.ExpiresAt is { } expires)
        {
            attributes[Ttl] = N(expires);
        }

        return attributes;
    }

    public static StoreItem FromItem(Dictionary<string, AttributeValue> attributes) => new(
        attributes[Pk].S,
        attributes[Sk].S,
        attributes.TryGetValue(Data, out var data) ? data.S ?? string.Empty : string.Empty,
        ExpiresAt(attributes),
        attributes.TryGetValue(Rev, out var rev) && rev.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0);

    /// <summary>Expired items are invisible on every read, whether or not DynamoDB's TTL sweep has removed them yet.</summary>
    public static bool IsLive(StoreItem item, long now) => item.ExpiresAt is not { } expires || expires > now;

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long? ExpiresAt(Dictionary<string, AttributeValue> attributes)
        => attributes.TryGetValue(Ttl, out var ttl) && ttl.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : null;
}
