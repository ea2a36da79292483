using System.Text.Json;
using System.Text.Json.Serialization;

namespace BluBees.Api.Infrastructure;

/// <summary>API responses use the same JSON conventions as stored documents.</summary>
public static class JsonSetup
{
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
