using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// Value mutations of one node of a JSON body: the wrong JSON kind, null, huge, negative and oddly written numbers,
/// empty, blank, long, NUL-, control-, lone-surrogate- or RLO-bearing and non-ASCII strings, and an unknown property
/// added to each object. Each yields a label, the mutated body (as text, a lone surrogate escaped as JSON allows) and
/// the field a refusal must name.
/// </summary>
internal static class ValueMutations
{
    /// <summary>Stands for an escaped lone surrogate (<c>\ud800</c>), which a JsonNode cannot hold; replaced in the text sent.</summary>
    private const string LoneSurrogate = "LONE-SURROGATE-ESCAPE";

    internal static string Render(JsonNode body) => body.ToJsonString().Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal);

    internal static IEnumerable<(string Label, JsonObject Body, string Field)> All(JsonObject baseBody)
    {
        // Odd property names at the root: an unreadable one is named "(property)", any other refusal names "$" or a field.
        foreach (var name in OddNames)
        {
            var body = (JsonObject)baseBody.DeepClone();
            body[name] = 1;
            yield return ($"$ + property named {Show(name)}", body, "$");
        }

        foreach (var (path, node) in RouteFuzzHelpers.Nodes(baseBody, "$"))
        {
            foreach (var (label, value, field) in Replacements(path, node))
            {
                var body = (JsonObject)baseBody.DeepClone();
                RouteFuzzHelpers.Set(body, path, value?.DeepClone());
                yield return (label, body, field);
            }

            if (node is JsonObject)
            {
                var body = (JsonObject)baseBody.DeepClone();
                var (parent, last) = RouteFuzzHelpers.Locate(body, path);
                var target = last is int i ? parent[i] : parent[(string)last];
                ((JsonObject)target!)["zzUnknown"] = 1;
                yield return ($"{path}.zzUnknown", body, path);
                foreach (var name in OddNames)
                {
                    var named = (JsonObject)baseBody.DeepClone();
                    var (at, key) = RouteFuzzHelpers.Locate(named, path);
                    ((JsonObject)(key is int n ? at[n] : at[(string)key])!)[name] = 1;
                    yield return ($"{path} + property named {Show(name)}", named, path);
                }
            }
        }
    }

    /// <summary>Property names that are not text (a lone surrogate), hold NUL or an RLO, are empty or 10,000 characters long.</summary>
    private static readonly string[] OddNames = [LoneSurrogate, "\u0000", "", "\u202ename", new string('k', 10_000)];

    private static string Show(string name) => name.Length > 20 ? $"{name[..5]}… ({name.Length} characters)" : System.Text.Json.JsonSerializer.Serialize(name);

    private static IEnumerable<(string Label, JsonNode? Value, string Field)> Replacements(string path, JsonNode? node)
    {
        foreach (var wrong in WrongKinds(node))
        {
            yield return ($"{path} = {wrong?.ToJsonString() ?? "null"}", wrong, path);
        }

        // Null means "not given": the answer may name the field, or a sibling its absence leaves invalid.
        yield return ($"{path} = null", null, RouteFuzzHelpers.Parent(path));
        if (node is JsonValue n && n.GetValueKind() == JsonValueKind.Number)
        {
            foreach (var number in (string[])["1e400", "-1e400", "9223372036854775808", "-9223372036854775809", "2147483648", "0.5", "-0", "1.0", "1e2", "1e-400", "9007199254740993", "-1", "0"])
            {
                yield return ($"{path} = {number}", JsonNode.Parse(number), path);
            }
        }

        if (node is JsonValue s && s.GetValueKind() == JsonValueKind.String)
        {
            var text = s.GetValue<string>();
            foreach (var (name, value) in new[]
            {
                ("''", ""), ("'   '", "   "), ("20,000 x", new string('x', 20_000)), ("+ NUL", text + "\u0000z"), ("+ control characters", text + "\u0001\u001b[2J\r\n"),
                ("+ lone surrogate", text + LoneSurrogate), ("+ RLO", text + "\u202e"), ("non-ASCII", "\u00dcn\u00efc\u00f8d\u00e9 \u2713 \ud83d\ude00"),
                ("a template", "{{ issue.key }}{% for i in (1..100000) %}x{% endfor %}"), ("digits past 2^63", "99999999999999999999"), ("a negative number", "-1"),
            })
            {
                yield return ($"{path} {name}", value, path);
            }
        }
    }

    private static IEnumerable<JsonNode?> WrongKinds(JsonNode? node) => node switch
    {
        JsonObject => ["text", 5, new JsonArray(1), true],
        JsonArray => ["text", 5, new JsonObject { ["a"] = 1 }, true],
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => [5, true, new JsonObject { ["a"] = 1 }, new JsonArray("a")],
            JsonValueKind.Number => ["5", true, new JsonObject { ["a"] = 1 }, new JsonArray(5)],
            _ => ["true", 1, new JsonObject { ["a"] = 1 }, new JsonArray(true)],
        },
        _ => ["text", 5, new JsonObject { ["a"] = 1 }, new JsonArray(1), true],
    };
}
