using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Reads a JSON request body within a byte budget and turns every way it can be wrong into a precise
/// ProblemDetails: 415 (not JSON, or compressed: a Content-Encoding other than identity), 413 (too large), 400 (malformed, wrong type, unknown field, a field named twice,
/// even in another case — naming it).
/// Error texts carry positions and field paths, never the values that were sent.
/// </summary>
internal static class JsonBody
{
    public const int DefaultMaxBytes = 512 * 1024;

    public static async Task<(JsonNode? Node, BodyProblem? Problem)> ReadNodeAsync(HttpRequest request, int maxBytes)
    {
        var (node, _, problem) = await ReadNodeAsync(request, maxBytes, optional: false);
        return (node, problem);
    }

    /// <summary>
    /// A body that may be absent: an empty one, whatever its framing (<c>Content-Length: 0</c>, no length and no
    /// Transfer-Encoding, or a chunked body of no chunks) and whatever its content type, is (null, null). Only reading it
    /// tells: an unknown length may turn out empty. A body that is not empty must be a JSON object — the literal
    /// <c>null</c> included, which parses to no node and was once taken for an empty body — else it is a 400 naming
    /// <c>$</c> with <paramref name="notAnObject"/>.
    /// </summary>
    public static async Task<(JsonObject? Node, BodyProblem? Problem)> ReadOptionalObjectAsync(HttpRequest request, int maxBytes, string notAnObject)
    {
        var (node, empty, problem) = await ReadNodeAsync(request, maxBytes, optional: true);
        return problem is not null ? (null, problem)
            : empty ? (null, null)
            : node is JsonObject obj ? (obj, null)
            : (null, Invalid("$", notAnObject));
    }

    private static async Task<(JsonNode? Node, bool Empty, BodyProblem? Problem)> ReadNodeAsync(HttpRequest request, int maxBytes, bool optional)
    {
        var (bytes, length, problem) = await ReadBytesAsync(request, maxBytes, optional);
        if (problem is not null || length == 0)
        {
            return (null, problem is null, problem);
        }

        try
        {
            return (JsonNode.Parse(bytes.AsSpan(0, length), JsonDefaults.NodeOptions, new JsonDocumentOptions { MaxDepth = JsonScan.MaxDepth, AllowDuplicateProperties = false }), false, null);
        }
        catch (JsonException ex)
        {
            return (null, false, Malformed(ex, bytes.AsSpan(0, length)));
        }
        catch (InvalidOperationException)
        {
            // Unreadable text the scan did not foresee: still the caller's fault, never a 500.
            return (null, false, Invalid("$", "the body has text that cannot be read"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reads a body whose root must be a JSON object (anything else: 400 naming <c>$</c>).</summary>
    public static async Task<(JsonObject? Node, BodyProblem? Problem)> ReadObjectAsync(HttpRequest request, int maxBytes)
    {
        var (node, problem) = await ReadNodeAsync(request, maxBytes);
        return problem is not null ? (null, problem)
            : node is JsonObject obj ? (obj, null)
            : (null, NotAnObject());
    }

    public static async Task<(T? Value, BodyProblem? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes = DefaultMaxBytes)
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
            if (value is null)
            {
                return (null, NotAnObject());
            }

            // Read case-insensitively, "hours" and "Hours" both set hours (the last one wins): refused like an exact repeat.
            return CaseVariantNames.Find(bytes.AsSpan(0, length), JsonDefaults.Options.GetTypeInfo(typeof(T))) is { } field
                ? (null, Invalid(field, "names this property more than once (names are matched without regard to case)"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Refused<T>(ex, bytes.AsSpan(0, length)));
        }
        catch (InvalidOperationException)
        {
            // Unreadable text the scan did not foresee: still the caller's fault, never a 500.
            return (null, Invalid("$", "the body has text that cannot be read"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The body's bytes; with <paramref name="optional"/>, an empty body is ([], 0, null) whatever its content type.</summary>
    private static async Task<(byte[] Bytes, int Length, BodyProblem? Problem)> ReadBytesAsync(HttpRequest request, int maxBytes, bool optional = false)
    {
        if (!optional && !IsJson(request.ContentType))
        {
            return ([], 0, NotJson());
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
                UnreadBody.MarkRead(request.HttpContext);
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
            return ([], 0, optional ? null : Invalid("$", "the body is empty; a JSON document is required"));
        }

        if (!IsJson(request.ContentType))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, NotJson());
        }

        if (Encoded(request))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            request.HttpContext.Response.Headers.AcceptEncoding = "identity"; // RFC 7694 §3: the codings we accept
            return ([], 0, new(Problems.Status(415, "Unsupported media type", "Content-Encoding: the body must be sent uncompressed (identity); no content coding is accepted.")));
        }

        if (TransferCoded(request))
        {
            // Kestrel decodes only chunked and hands any other transfer coding's bytes on as they came.
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, new(Problems.Status(400, "Bad request", "Transfer-Encoding: only chunked is accepted; the body must not be transfer-compressed (gzip, deflate, compress).")));
        }

        if (JsonScan.Check(buffer.AsSpan(0, length)) is { } bad)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, Invalid(bad.Path, bad.Message));
        }

        return (buffer, length, null);
    }

    /// <summary>A content coding other than identity (gzip, br...): the bytes are not the JSON they claim to be.</summary>
    private static bool Encoded(HttpRequest request)
        => request.Headers.ContentEncoding.Any(value => value is not null
            && value.Split(',').Any(coding => coding.Trim() is { Length: > 0 } name && !name.Equals("identity", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// A transfer coding other than chunked (<c>Transfer-Encoding: gzip, chunked</c>): Kestrel removes the chunked framing
    /// only, so the body read is still compressed; read as it came, it was a misleading "malformed JSON" at best and, when
    /// the sender only claimed the coding, saved as if none had been named.
    /// </summary>
    private static bool TransferCoded(HttpRequest request)
        => request.Headers.TransferEncoding.Any(value => value is not null
            && value.Split(',').Any(coding => coding.Trim() is { Length: > 0 } name && !name.Equals("chunked", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// <c>application/json</c> or a <c>+json</c> suffix type, parameters aside. Parsed, not prefix-matched: a prefix let
    /// <c>application/jsonx</c> or <c>application/json-seq</c> through on the Forge routes while the /api routes refused them.
    /// </summary>
    private static bool IsJson(string? contentType)
        => Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
        && (media.SubType.Equals("json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    private static BodyProblem NotJson()
        => new(Problems.Status(415, "Unsupported media type", "The body must be JSON (Content-Type: application/json)."));

    private static BodyProblem TooLarge(int maxBytes)
        => new(Problems.Status(413, "Payload too large", $"The body may be at most {maxBytes} bytes."));

    /// <summary>A document the parser refused: syntax, depth. Named by position only (the text is not echoed).</summary>
    private static BodyProblem Malformed(JsonException ex, ReadOnlySpan<byte> utf8)
        => Invalid(JsonErrorPath.Field(ex.Path), Unreadable(utf8) + Position(ex));

    /// <summary>
    /// Why the reader stopped: a document nested past <see cref="JsonScan.MaxDepth"/> before any syntax error is well-formed
    /// but too deep, which "malformed JSON" misstated. Told from the structure (read again without the limit: the reader
    /// keeps no recursion, so any depth is safe to walk), never from the exception's text.
    /// </summary>
    private static string Unreadable(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            // RFC 8259 §8.1: a sender must not add one; said so, rather than "malformed" at position 1.
            return "starts with a byte order mark (U+FEFF; JSON sent over HTTP has none)";
        }

        if (WideText(utf8))
        {
            // RFC 8259 §8.1: JSON exchanged between systems must be UTF-8; a UTF-16 or UTF-32 body (whatever its charset
            // parameter, which JSON does not define) was "malformed JSON at line 1, position 2", of a well-formed document.
            return "is not UTF-8 text (it looks like UTF-16 or UTF-32: a zero byte or a UTF-16 byte order mark at its start)";
        }

        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= JsonScan.MaxDepth)
                {
                    return $"is nested deeper than {JsonScan.MaxDepth} levels";
                }
            }
        }
        catch (JsonException)
        {
            // A syntax error comes first: malformed.
        }

        return "malformed JSON";
    }

    /// <summary>
    /// The first two bytes as UTF-16 or UTF-32 text begins (RFC 4627 §3: JSON starts with two ASCII characters, so
    /// one of them is a zero byte in those encodings), or a UTF-16 byte order mark. UTF-8 text has no zero byte there:
    /// a raw NUL is not JSON whitespace, so nothing well-formed is taken for it.
    /// </summary>
    private static bool WideText(ReadOnlySpan<byte> bytes)
        => bytes.Length >= 2 && (bytes[0] == 0 || bytes[1] == 0 || (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF));

    /// <summary>
    /// A deserialization failure, told apart from the structured facts alone, never from the exception's text: a
    /// document the reader cannot read is malformed (at the reader's position); otherwise <see cref="JsonException.Path"/>
    /// is walked through the target type's contract, and the failing member is either unknown to it (refused by
    /// <see cref="System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow"/>) or present with a value of
    /// the wrong kind, whose expected kind the contract states.
    /// </summary>
    private static BodyProblem Refused<T>(JsonException ex, ReadOnlySpan<byte> utf8)
    {
        if (SyntaxError(utf8) is { } syntax)
        {
            // The serializer's path names the syntax error's place only when it stopped there; stopped earlier (at an
            // unknown property, a value of the wrong type) it names that member, not the error: then the document is named.
            var there = ex.LineNumber == syntax.LineNumber && ex.BytePositionInLine == syntax.BytePositionInLine;
            return Invalid(there ? JsonErrorPath.Field(ex.Path) : "$", Unreadable(utf8) + Position(syntax));
        }

        if (RootKind(utf8) is not JsonTokenType.StartObject)
        {
            // Well-formed, but an array, a string, a number or a boolean where the route reads an object: it said
            // "malformed JSON at line 1, position 2" of valid JSON, while the routes that read a node said this.
            return NotAnObject();
        }

        var failure = JsonErrorPath.Resolve(ex, JsonDefaults.Options.GetTypeInfo(typeof(T)));
        return failure switch
        {
            { Unknown: { } name } => Invalid(failure.Field, $"unknown property '{name}'"),
            { Field: "$" } => Invalid("$", "malformed JSON" + Position(ex)),
            _ => Invalid(failure.Field, "has the wrong type: expected " + JsonErrorPath.Expected(failure.Expected)),
        };
    }

    private static BodyProblem Invalid(string field, string message) => new(Problems.Invalid(field, message));

    /// <summary>What every route that reads an object says of a well-formed root of another kind (<c>null</c> included).</summary>
    private static BodyProblem NotAnObject() => Invalid("$", "the body must be a JSON object");

    /// <summary>The kind of the document's first token (the text is well-formed when this is asked).</summary>
    private static JsonTokenType RootKind(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = JsonScan.MaxDepth });
        return reader.Read() ? reader.TokenType : JsonTokenType.None;
    }

    private static string Position(JsonException ex)
        => ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;

    /// <summary>The reader's own error for a document it cannot read; null when the text is well-formed JSON.</summary>
    private static JsonException? SyntaxError(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = JsonScan.MaxDepth });
        try
        {
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException ex)
        {
            return ex;
        }
    }
}
