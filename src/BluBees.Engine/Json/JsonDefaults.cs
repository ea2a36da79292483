using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BluBees.Engine.Json;

/// <summary>One set of serializer options for stored documents and API bodies (camelCase, enums as strings).</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>
    /// For what old and new builds share across a deploy and a rollback: run messages read back from a queue and the
    /// events' de-duplication markers (<see cref="Runs.DedupMarker.Read"/>). <see cref="Options"/>, but a member this
    /// build does not know is skipped instead of refused: a message a later build queued with an added field must still
    /// run here (not end as <c>delivery_exhausted</c>), and its marker keep its state. (API bodies keep refusing unknown
    /// members.)
    /// </summary>
    public static readonly JsonSerializerOptions Tolerant = CreateTolerant();

    /// <summary>Bounded parsing of untrusted input: depth limited, comments and trailing commas refused.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static readonly System.Text.Json.Nodes.JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = 64,
            Encoder = JavaScriptEncoder.Default,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            // Web defaults accept "2" for a number; configuration is typed strictly so mistakes surface.
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        // Records bind names case-insensitively; JSON carried as data keeps its names exact ("a" and "A" are two).
        options.Converters.Add(new ExactNameNodeConverter<System.Text.Json.Nodes.JsonNode>());
        options.Converters.Add(new ExactNameNodeConverter<System.Text.Json.Nodes.JsonObject>());
        options.Converters.Add(new ExactNameNodeConverter<System.Text.Json.Nodes.JsonArray>());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static JsonSerializerOptions CreateTolerant()
    {
        var options = new JsonSerializerOptions(Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
