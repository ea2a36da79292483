using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>The destination's (small, buffered) answer as a value later steps can map, e.g. the id of an uploaded file.</summary>
internal static class TransferResponseBody
{
    public static JsonNode? Parse(EgressResponse response)
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
