using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Json;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>How an HTTP step reads a final response: its error category, and the body later steps may map.</summary>
internal static class HttpResponseMapping
{
    public static string? Categorize(EgressResponse response) => EgressCategories.Of(response);

    /// <summary>JSON bodies become values later steps can map; text stays text; anything else is not kept.</summary>
    public static JsonNode? ParseBody(EgressResponse response) => ResponseJson.Parse(response.Body.Span, response.ContentType);
}
