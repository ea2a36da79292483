using System.Text.Json.Nodes;
using BluBees.Engine.Common;

namespace BluBees.Engine.Tests.Support;

/// <summary>Builds definitions the way the API receives them: from JSON, with the production serializer options.</summary>
internal static class TestJson
{
    public static T Read<T>(string json) => StoredJson.Read<T>(json);

    public static JsonNode Node(string json) => JsonNode.Parse(json)!;

    public static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();
}
