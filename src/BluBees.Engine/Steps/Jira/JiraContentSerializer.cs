using System.Reflection;
using System.Text.Json;
using BluBees.Engine.Json;
using Refit;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Refit's JSON serializer for Jira's answers, with the connector answer's text rules (<see cref="ResponseJson"/>): a
/// UTF-8 byte order mark is ignored, and an answer holding a string that is not text (an escaped lone surrogate such
/// as "\ud83d" in an issue's summary) is no content, like one that does not parse: kept, the first condition or
/// template to read it threw and the whole run was recorded internal_error without its step records. So is one
/// repeating a name in an object (an issue node read it lazily and threw ArgumentException in the first step to read it).
/// </summary>
internal sealed class JiraContentSerializer(JsonSerializerOptions options) : IHttpContentSerializer
{
    private readonly SystemTextJsonContentSerializer _inner = new(options);

    private readonly JsonSerializerOptions _strict = new(options) { AllowDuplicateProperties = false };

    public HttpContent ToHttpContent<T>(T item) => _inner.ToHttpContent(item);

    public async Task<T?> FromHttpContentAsync<T>(HttpContent content, CancellationToken cancellationToken = default)
    {
        var bytes = await content.ReadAsByteArrayAsync(cancellationToken);
        var body = ResponseJson.WithoutByteOrderMark(bytes);
        if (body.IsEmpty || ResponseJson.HasUnreadableText(body))
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, _strict);
        }
        catch (JsonException)
        {
            return default; // not JSON, or a name repeated in an object (a node would throw when first read)
        }
    }

    public string? GetFieldNameForProperty(PropertyInfo propertyInfo) => _inner.GetFieldNameForProperty(propertyInfo);
}
