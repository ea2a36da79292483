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
                return JsonNode.Parse(response.Body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ? JsonValue.Create(Encoding.UTF8.GetString(response.Body.Span)) : null;
    }
}
