using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Common;

namespace BluBees.Engine.Conditions;

/// <summary>Loose-but-predictable comparisons between JSON values, as admins expect them.</summary>
public static class Values
{
    public static string? AsText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    public static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length == 0,
        JsonArray a => a.Count == 0,
        JsonObject o => o.Count == 0,
        _ => false,
    };

    /// <summary>
    /// Equal values; two numbers compare by value, numeric text included: Jira sends a number field as it stores it
    /// (Story Points <c>5.0</c>) and the rule builder sends a typed <c>equals</c> or <c>in</c> value as text (<c>"5"</c>).
    /// </summary>
    public static bool AreEqual(JsonNode? left, JsonNode? right)
    {
        if (TryNumber(left, out var l) && TryNumber(right, out var r))
        {
            return DecimalText.Compare(l, r) == 0;
        }

        if (left is JsonValue && right is JsonValue || left is null || right is null)
        {
            return string.Equals(AsText(left), AsText(right), StringComparison.Ordinal);
        }

        return JsonNode.DeepEquals(left, right);
    }

    /// <summary>
    /// Orders numbers numerically (exactly, whatever their size or number of digits) and ISO-8601 dates
    /// chronologically; null when not comparable.
    /// </summary>
    public static int? Compare(JsonNode? left, JsonNode? right)
    {
        if (TryNumber(left, out var l) && TryNumber(right, out var r))
        {
            return DecimalText.Compare(l, r);
        }

        if (TryDate(left, out var ld) && TryDate(right, out var rd))
        {
            return ld.CompareTo(rd);
        }

        return null;
    }

    /// <summary>A JSON number's text, or a string that is a decimal number (sign, point, exponent, surrounding spaces).</summary>
    public static bool TryNumber(JsonNode? node, out string text)
    {
        text = node is JsonValue v ? v.GetValueKind() switch
        {
            JsonValueKind.Number => v.ToJsonString(),
            JsonValueKind.String => v.GetValue<string>(),
            _ => "",
        } : "";
        return DecimalText.IsNumber(text);
    }

    public static bool TryDate(JsonNode? node, out DateTimeOffset value)
    {
        value = default;
        return AsText(node) is { Length: >= 10 } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}
