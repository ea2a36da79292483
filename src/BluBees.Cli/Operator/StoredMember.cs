using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;

namespace BluBees.Cli.Operator;

/// <summary>
/// One top-level member of a stored JSON document set in place, every other byte as stored: a backup copies what is
/// stored (a member a later build added, the order, the escaping), and only the secrets' ciphertexts change.
/// </summary>
internal static class StoredMember
{
    /// <summary>
    /// The document with the member's value set (<paramref name="value"/> as a JSON string, or <c>null</c>) where it
    /// stands; a document without the member (a backup an earlier version wrote took it out) gets it added.
    /// </summary>
    public static string Set(string json, string name, string? value)
    {
        var valueJson = value is null ? "null" : JsonSerializer.Serialize(value, JsonDefaults.Options);
        if (Replace(json, name, valueJson) is { } replaced)
        {
            return replaced;
        }

        var document = JsonNode.Parse(json)!.AsObject();
        document[name] = value;
        return document.ToJsonString();
    }

    private static string? Replace(string json, string name, string valueJson)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip(); // past the value (a no-op for a string, number, literal)
            var end = (int)reader.BytesConsumed;
            if (match)
            {
                return Encoding.UTF8.GetString(bytes, 0, start) + valueJson + Encoding.UTF8.GetString(bytes, end, bytes.Length - end);
            }
        }

        return null;
    }
}
