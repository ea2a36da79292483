using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Json;

/// <summary>
/// A third party's answer as a value later steps map (<c>steps.&lt;id&gt;.body</c>): JSON when the content type says so
/// and it is JSON whose every string is readable text, else null; <c>text/*</c> as a string; anything else null.
/// </summary>
internal static class ResponseJson
{
    public const int MaxDepth = 64;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// The body without a leading UTF-8 byte order mark (what .NET's Encoding.UTF8, PowerShell and some IIS services
    /// write): it is not part of the text, RFC 8259 §8.1 lets a parser ignore it, and the JSON parser refuses the whole
    /// body because of it. Used for connectors' answers and Jira's (with either token).
    /// </summary>
    public static ReadOnlySpan<byte> WithoutByteOrderMark(ReadOnlySpan<byte> body)
        => body.StartsWith(Utf8Bom) ? body[Utf8Bom.Length..] : body;

    public static JsonNode? Parse(ReadOnlySpan<byte> body, string? contentType)
    {
        body = WithoutByteOrderMark(body);
        if (body.IsEmpty)
        {
            return null;
        }

        var type = contentType ?? string.Empty;
        if (type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                // A name repeated in an object is refused here, as not JSON: JsonObject builds its dictionary lazily, so such a
                // body would throw later, in whichever step first read it (the run lost as internal_error). Likewise a string
                // that is not text (an escaped lone surrogate "\ud800", invalid UTF-8): the parser keeps it and the first
                // condition or serializer to read it threw, so the run ended as internal_error with no step records.
                return HasUnreadableText(body) ? null
                    : JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) ? JsonValue.Create(Encoding.UTF8.GetString(body)) : null;
    }

    /// <summary>Whether a string or property name of the document cannot be read as text. Grammar errors are left to the parser.</summary>
    internal static bool HasUnreadableText(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                // Only an escaped string can hold an escaped lone surrogate: it alone is decoded (which throws for one).
                // The rest are checked as UTF-8 where they lie, with no string allocated per value.
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName
                    && (reader.ValueIsEscaped ? reader.GetString() is null : !System.Text.Unicode.Utf8.IsValid(reader.ValueSpan)))
                {
                    return true;
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}
