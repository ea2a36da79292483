using System.Text.Json.Nodes;

namespace BluBees.Engine.Execution;

/// <summary>A dry run's preview of one request: what the step would send, every secret masked.</summary>
public sealed record DryRunRequest(string StepId, string Method, string Url, IReadOnlyDictionary<string, string> Headers, JsonNode? Body)
{
    /// <summary>How deep a body is shown as JSON; a deeper one is shown as its JSON text (a string).</summary>
    public const int MaxShownDepth = 48;

    /// <summary>
    /// The body as sent. A template that is a whole value can put an event's value (itself up to 64 levels) under a
    /// body's own levels, and a run sends such a body; nested as JSON inside the dry run's answer it is deeper than an
    /// answer may be (a 500 before), so past <see cref="MaxShownDepth"/> levels it is shown as its text.
    /// </summary>
    public JsonNode? Body { get; init; } = Shown(Body);

    /// <summary>Where the step sits in the rule, e.g. <c>steps[1].steps[0]</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Inside a loop: the (innermost) iteration the request belongs to.</summary>
    public int? Index { get; init; }

    private static JsonNode? Shown(JsonNode? body)
    {
        if (body is null || Json.JsonDepth.Of(body, MaxShownDepth) <= MaxShownDepth)
        {
            return body;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { MaxDepth = 1024 }))
        {
            body.WriteTo(writer);
        }

        return JsonValue.Create(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}

/// <summary>Why a dry run could not build a step's request (a template error, a missing connection): a category and a message, no value.</summary>
public sealed record DryRunError(string? Path, string Category, string Message);
