using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BluBees.Engine.Json;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Reads a JSON request body within a byte budget and turns every way it can be wrong into a precise
/// ProblemDetails: 415 (not JSON), 413 (too large), 400 (malformed, wrong type, unknown field — naming it).
/// Error texts carry positions and field paths, never the values that were sent.
/// </summary>
internal static partial class JsonBody
{
    public const int DefaultMaxBytes = 512 * 1024;

    public static async Task<(JsonNode? Node, IResult? Problem)> ReadNodeAsync(HttpRequest request, int maxBytes)
    {
        var (bytes, length, problem) = await ReadBytesAsync(request, maxBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        try
        {
            return (JsonNode.Parse(bytes.AsSpan(0, length), JsonDefaults.NodeOptions, new JsonDocumentOptions { MaxDepth = JsonScan.MaxDepth, AllowDuplicateProperties = false }), null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex));
        }
        catch (InvalidOperationException)
        {
            // Unreadable text the scan did not foresee: still the caller's fault, never a 500.
            return (null, Problems.Invalid("$", "the body has text that cannot be read"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reads a body whose root must be a JSON object (anything else: 400 naming <c>$</c>).</summary>
    public static async Task<(JsonObject? Node, IResult? Problem)> ReadObjectAsync(HttpRequest request, int maxBytes)
    {
        var (node, problem) = await ReadNodeAsync(request, maxBytes);
        return problem is not null ? (null, problem)
            : node is JsonObject obj ? (obj, null)
            : (null, Problems.Invalid("$", "the body must be a JSON object"));
    }

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        var (bytes, length, problem) = await ReadBytesAsync(request, maxBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes.AsSpan(0, length), JsonDefaults.Options);
            return value is null ? (null, Problems.Invalid("$", "the body must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex));
        }
        catch (InvalidOperationException)
        {
            // Unreadable text the scan did not foresee: still the caller's fault, never a 500.
            return (null, Problems.Invalid("$", "the body has text that cannot be read"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static async Task<(byte[] Bytes, int Length, IResult? Problem)> ReadBytesAsync(HttpRequest request, int maxBytes)
    {
        if (!IsJson(request.ContentType))
        {
            return ([], 0, Problems.Status(415, "Unsupported media type", "The body must be JSON (Content-Type: application/json)."));
        }

        if (request.ContentLength > maxBytes)
        {
            return ([], 0, TooLarge(maxBytes));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, (int?)request.ContentLength + 1 ?? 16 * 1024));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return ([], 0, TooLarge(maxBytes));
                }

                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes + 1) - length), request.HttpContext.RequestAborted);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (length > maxBytes)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return ([], 0, TooLarge(maxBytes));
            }
        }

        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, Problems.Invalid("$", "the body is empty; a JSON document is required"));
        }

        if (JsonScan.Check(buffer.AsSpan(0, length)) is { } bad)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, Problems.Invalid(bad.Path, bad.Message));
        }

        return (buffer, length, null);
    }

    private static bool IsJson(string? contentType)
        => contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static IResult TooLarge(int maxBytes)
        => Problems.Status(413, "Payload too large", $"The body may be at most {maxBytes} bytes.");

    private static IResult Malformed(JsonException ex)
    {
        var field = ex.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : "$";
        if (UnknownProperty().Match(ex.Message) is { Success: true } unknown)
        {
            var name = unknown.Groups[1].Value;
            return Problems.Invalid(field.Length == 0 || field == "$" ? name : field, $"unknown property '{name}'");
        }

        if (ConvertedTo().Match(ex.Message) is { Success: true } converted && field != "$")
        {
            return Problems.Invalid(field, "has the wrong type: expected " + Friendly(converted.Groups[1].Value));
        }

        var position = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;
        return Problems.Invalid(field, $"malformed JSON{position}");
    }

    private static string Friendly(string type) => type switch
    {
        _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
        _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ when type.Contains("String", StringComparison.Ordinal) && !type.Contains("Dictionary", StringComparison.Ordinal) && !type.Contains("List", StringComparison.Ordinal) => "a string",
        _ when type.Contains("Dictionary", StringComparison.Ordinal) => "an object of string values",
        _ when type.Contains("List", StringComparison.Ordinal) => "an array",
        _ => "an object",
    };

    [GeneratedRegex("The JSON property '([^']{1,100})' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex(@"could not be converted to ([^\s]+?)\.? Path")]
    private static partial Regex ConvertedTo();
}
