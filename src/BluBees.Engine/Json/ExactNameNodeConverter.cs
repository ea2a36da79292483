using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace BluBees.Engine.Json;

/// <summary>
/// Reads a <see cref="JsonNode"/> member (a step's <c>body</c>, Jira <c>fields</c>, a dry run's event) with names
/// matched exactly. The serializer's own node converter copies <see cref="JsonSerializerOptions.PropertyNameCaseInsensitive"/>
/// (on here, for the records) into the node, so <c>{"a":1,"A":2}</c>, two entries of pass-through data, threw
/// "An item with the same key has already been added" when first read: a 500 for a legitimate payload.
/// </summary>
internal sealed class ExactNameNodeConverter<T> : JsonConverter<T>
    where T : JsonNode
{
    private static readonly JsonNodeOptions Exact = new() { PropertyNameCaseInsensitive = false };

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        => JsonNode.Parse(ref reader, Exact) as T ?? throw new JsonException($"Expected a JSON {(typeof(T) == typeof(JsonArray) ? "array" : "object")}.");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => value.WriteTo(writer, options);
}
