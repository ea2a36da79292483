using System.Text.Json;
using System.Text.Json.Serialization;

namespace BluBees.Api.Infrastructure;

/// <summary>API responses use the same JSON conventions as stored documents.</summary>
internal static class JsonSetup
{
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // As for bodies (JsonDefaults): numbers are numbers. Answers are written the same either way; this keeps the
        // OpenAPI schemas (and so the UI's generated types) from offering "number | string".
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
