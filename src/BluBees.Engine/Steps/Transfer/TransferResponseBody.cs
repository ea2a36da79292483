using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Json;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>The destination's (small, buffered) answer as a value later steps can map, e.g. the id of an uploaded file.</summary>
internal static class TransferResponseBody
{
    public static JsonNode? Parse(EgressResponse response) => ResponseJson.Parse(response.Body.Span, response.ContentType);
}
