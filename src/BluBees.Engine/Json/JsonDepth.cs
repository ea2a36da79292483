using System.Text.Json.Nodes;

namespace BluBees.Engine.Json;

/// <summary>How deeply a JSON value nests, for the caps on values a rule holds or an answer shows.</summary>
internal static class JsonDepth
{
    /// <summary>
    /// Containers around the deepest leaf: 0 for a plain value or null, 1 for <c>[1]</c> or <c>{}</c>. Counting stops
    /// once past <paramref name="limit"/> (the result is then greater than it), so a deep value costs no more than the
    /// cap it is checked against.
    /// </summary>
    public static int Of(JsonNode? node, int limit) => Of(node, 0, limit);

    private static int Of(JsonNode? node, int above, int limit) => above > limit ? above : node switch
    {
        JsonObject obj => obj.Select(p => Of(p.Value, above + 1, limit)).DefaultIfEmpty(above + 1).Max(),
        JsonArray array => array.Select(n => Of(n, above + 1, limit)).DefaultIfEmpty(above + 1).Max(),
        _ => above,
    };
}
