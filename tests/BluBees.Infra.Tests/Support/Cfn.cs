using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Infra.Tests.Support;

/// <summary>Small readers for the long-form CloudFormation tree.</summary>
internal static class Cfn
{
    public static JsonObject Obj(JsonNode? node, string what) =>
        node as JsonObject ?? throw new AssertionException($"{what}: expected a mapping, got {Show(node)}.");

    public static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A number, or a string holding one (CloudFormation accepts both).</summary>
    public static long? Long(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var n) => n,
        JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) => (long)d,
        JsonValue v when v.GetValueKind() == JsonValueKind.String
            && long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => null,
    };

    /// <summary>A boolean, or the strings "true"/"false".</summary>
    public static bool? Bool(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String
            && bool.TryParse(v.GetValue<string>(), out var b) => b,
        _ => null,
    };

    /// <summary>The single intrinsic function of an object such as {"Ref": x}, else null.</summary>
    public static (string Name, JsonNode? Argument)? Intrinsic(JsonNode? node) =>
        node is JsonObject { Count: 1 } o && o.First() is var (name, arg)
            && (name == "Ref" || name == "Condition" || name.StartsWith("Fn::", StringComparison.Ordinal))
            ? (name, arg)
            : null;

    public static bool IsRef(JsonNode? node, string target) =>
        Intrinsic(node) is ("Ref", var arg) && Str(arg) == target;

    public static string? RefTarget(JsonNode? node) =>
        Intrinsic(node) is ("Ref", var arg) ? Str(arg) : null;

    public static bool IsGetAtt(JsonNode? node, string resource, string attribute) =>
        GetAtt(node) is var (r, a) && r == resource && a == attribute;

    public static (string Resource, string Attribute)? GetAtt(JsonNode? node)
    {
        if (Intrinsic(node) is not ("Fn::GetAtt", var arg))
        {
            return null;
        }

        return arg switch
        {
            JsonArray { Count: 2 } a when Str(a[0]) is { } r && Str(a[1]) is { } at => (r, at),
            JsonValue when Str(arg) is { } s && s.IndexOf('.', StringComparison.Ordinal) is > 0 and var i => (s[..i], s[(i + 1)..]),
            _ => null,
        };
    }

    /// <summary>The template string of a Fn::Sub (either form), else null.</summary>
    public static string? SubTemplate(JsonNode? node) => Intrinsic(node) switch
    {
        ("Fn::Sub", JsonValue v) => Str(v),
        ("Fn::Sub", JsonArray { Count: > 0 } a) => Str(a[0]),
        _ => null,
    };

    /// <summary>A scalar-or-list value as a list (IAM Action/Resource/Principal style).</summary>
    public static IReadOnlyList<JsonNode?> List(JsonNode? node) => node switch
    {
        null => [],
        JsonArray a => [.. a],
        _ => [node],
    };

    /// <summary>
    /// Every concrete value a node may take: Fn::If contributes both branches,
    /// AWS::NoValue contributes nothing, list elements are flattened one level.
    /// </summary>
    public static IEnumerable<JsonNode?> Alternatives(JsonNode? node)
    {
        if (IsRef(node, "AWS::NoValue"))
        {
            yield break;
        }

        if (Intrinsic(node) is ("Fn::If", JsonArray { Count: 3 } branches))
        {
            foreach (var branch in branches.Skip(1).SelectMany(Alternatives))
            {
                yield return branch;
            }

            yield break;
        }

        yield return node;
    }

    /// <summary>Like <see cref="List"/>, with Fn::If expanded inside and around the list.</summary>
    public static IReadOnlyList<JsonNode?> FlatList(JsonNode? node) =>
        [.. Alternatives(node).SelectMany(List).SelectMany(Alternatives)];

    public static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";
}
