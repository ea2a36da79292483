using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>What the route fuzzers share: the answer check, and the JSON walk and mutations of the body battery.</summary>
internal static class RouteFuzzHelpers
{
    internal enum Mutation { Removed, DeepestAccepted, OnePastDeepest, HugeArray, LongString, RtlAndNul, Emptied, HugeNumber, NegativeFraction, HugeObject, CaseVariant }

    internal static async Task<string?> CheckAsync(HttpResponseMessage response, string? field, string? alsoAccept = null)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return $"{status} {Cut(text)}";
        }

        if (status < 400)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return $"{status} with content type {response.Content.Headers.ContentType?.MediaType}: {Cut(text)}";
        }

        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return $"{status} body is not JSON: {Cut(text)}";
        }

        if (problem?["status"]?.GetValue<int>() != status || problem["title"] is null)
        {
            return $"{status} is not a ProblemDetails: {Cut(text)}";
        }

        if (field is null || status is 401 or 403 or 404 or 409 or 413 or 415)
        {
            return null;
        }

        var keys = problem["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
        return keys.Any(k => Names(k, field) || (alsoAccept is not null && Names(k, alsoAccept))) ? null : $"{status} does not name '{field}': {Cut(text)}";
    }

    /// <summary>A key names the field when it is the field, a field inside it, or one of its parents (a removed or too-deep value).</summary>
    internal static bool Names(string key, string field)
        => key == field || key.StartsWith(field + ".", StringComparison.Ordinal) || key.StartsWith(field + "[", StringComparison.Ordinal)
           || field.StartsWith(key + ".", StringComparison.Ordinal) || field.StartsWith(key + "[", StringComparison.Ordinal) || key == "$" || field == "$";

    internal static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;

    internal static string Variant(string path)
    {
        var cut = path.LastIndexOf('.') + 1;
        return path[..cut] + path[cut..].ToUpperInvariant();
    }

    internal static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "$" : path[..cut];
    }

    /// <summary>Applies the mutation at the node; false when it does not fit the node.</summary>
    internal static bool Apply(JsonObject body, string path, JsonNode? node, Mutation mutation, int depth)
    {
        switch (mutation)
        {
            case Mutation.Removed:
                return Remove(body, path);
            case Mutation.DeepestAccepted or Mutation.OnePastDeepest:
                // The root object is depth 1 and each container below the node adds one; the reader allows 64.
                var levels = 64 - depth + (mutation == Mutation.OnePastDeepest ? 1 : 0);
                if (levels < 1)
                {
                    return false;
                }

                JsonNode deep = node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? JsonValue.Create("x")! : JsonValue.Create(1)!;
                for (var i = 0; i < levels; i++)
                {
                    deep = i % 2 == 0 ? new JsonArray(deep) : new JsonObject { ["a"] = deep };
                }

                Set(body, path, deep);
                return true;
            case Mutation.HugeArray:
                if (node is not JsonArray array)
                {
                    return false;
                }

                var first = array.Count > 0 ? array[0]?.DeepClone() : JsonValue.Create(0);
                var items = new JsonArray();
                var copy = first is JsonValue fv && fv.GetValueKind() == System.Text.Json.JsonValueKind.String ? "a" : (JsonNode?)0;
                for (var i = 0; i < 100_000; i++)
                {
                    items.Add(copy?.DeepClone());
                }

                Set(body, path, items);
                return true;
            case Mutation.LongString:
                if (node is not JsonValue s || s.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    return false;
                }

                Set(body, path, new string('x', 100 * 1024));
                return true;
            case Mutation.RtlAndNul:
                if (node is not JsonValue r || r.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    return false;
                }

                Set(body, path, "\u200f" + r.GetValue<string>() + "\u0000");
                return true;
            case Mutation.Emptied:
                Set(body, path, node switch { JsonObject => new JsonObject(), JsonArray => new JsonArray(), _ => JsonValue.Create("") });
                return true;
            case Mutation.HugeObject:
                if (node is not JsonObject)
                {
                    return false;
                }

                var many = new JsonObject();
                for (var i = 0; i < 15_000; i++)
                {
                    many["k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = 0;
                }

                Set(body, path, many);
                return true;
            case Mutation.CaseVariant:
                // The same name again in another case, with another value: refused where names are matched without
                // regard to case, kept apart where the names are data.
                var (parent, last) = Locate(body, path);
                if (parent is not JsonObject holder || last is not string name || string.Equals(name.ToUpperInvariant(), name, StringComparison.Ordinal) || holder.ContainsKey(name.ToUpperInvariant()))
                {
                    return false;
                }

                holder[name.ToUpperInvariant()] = "variant";
                return true;
            case Mutation.HugeNumber:
                Set(body, path, JsonNode.Parse("1e400"));
                return true;
            case Mutation.NegativeFraction:
                Set(body, path, JsonNode.Parse("-0.5"));
                return true;
            default:
                return false;
        }
    }

    /// <summary>How many containers hold the node: the root and one for each step of its path.</summary>
    internal static int DepthOf(string path) => 1 + path.Count(c => c is '.' or '[');

    internal static IEnumerable<(string Path, JsonNode? Node)> Nodes(JsonNode? node, string path)
    {
        if (path != "$")
        {
            yield return (path, node);
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    foreach (var nested in Nodes(child, path == "$" ? name : $"{path}.{name}"))
                    {
                        yield return nested;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var nested in Nodes(array[i], $"{path}[{i}]"))
                    {
                        yield return nested;
                    }
                }

                break;
        }
    }

    internal static (JsonNode Parent, object Last) Locate(JsonNode root, string path)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = parts[i].StartsWith('[') ? node[int.Parse(parts[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : node[parts[i]]!;
        }

        var last = parts[^1];
        return (node, last.StartsWith('[') ? int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture) : last);
    }

    internal static void Set(JsonNode root, string path, JsonNode? value)
    {
        var (parent, last) = Locate(root, path);
        if (last is int i)
        {
            parent[i] = value;
        }
        else
        {
            parent[(string)last] = value;
        }
    }

    internal static bool Remove(JsonNode root, string path)
    {
        var (parent, last) = Locate(root, path);
        if (last is int i)
        {
            ((JsonArray)parent).RemoveAt(i);
        }
        else
        {
            ((JsonObject)parent).Remove((string)last);
        }

        return true;
    }
}
