using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>How an HTTP step reads a final response: its error category, and the body later steps may map.</summary>
internal static class HttpResponseMapping
{
    public static string? Categorize(EgressResponse response) => EgressCategories.Of(response);

    /// <summary>JSON bodies become values later steps can map; text stays text; anything else is not kept.</summary>
    public static JsonNode? ParseBody(EgressResponse response)
    {
        if (response.Body.IsEmpty)
        {
            return null;
        }

        var type = response.ContentType ?? string.Empty;
        if (type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                // A name repeated in an object is refused here, as not JSON: JsonObject builds its dictionary lazily, so such a
                // body would throw later, in whichever step first read it (the run lost as internal_error).
                return JsonNode.Parse(response.Body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ? JsonValue.Create(Encoding.UTF8.GetString(response.Body.Span)) : null;
    }
}
