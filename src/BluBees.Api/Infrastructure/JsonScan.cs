using System.Text.Json;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// One forward pass over a JSON document before it is parsed into objects: every string and property name must be
/// readable text (valid UTF-8, no lone UTF-16 surrogate escape such as <c>\ud800</c>), and no object may name a
/// property twice. System.Text.Json accepts both kinds of bad text when parsing and throws only later, when the value
/// is read, which turned such bodies into 500s. Structural errors are left to the parser, which reports a position.
/// </summary>
internal static class JsonScan
{
    public const int MaxDepth = 64;

    /// <summary>What stands for a property name that is not text in a path (as <c>ValidationErrors.SafeName</c> writes an unsafe one).</summary>
    private const string UnreadableName = "(property)";

    /// <summary>The first problem found, as a field path and a message that never repeats the value; null when none.</summary>
    public static (string Path, string Message)? Check(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        Advance(frames);
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var top = frames[^1];
                        string name;
                        try
                        {
                            name = reader.GetString()!;
                        }
                        catch (InvalidOperationException)
                        {
                            // Named as the object holding it and "(property)": the name cannot be repeated, and the
                            // property read before it (which Current still holds) was valid.
                            top.Current = UnreadableName;
                            return (PathOf(frames), "has a property name that is not valid text (invalid UTF-8 or a lone surrogate escape)");
                        }

                        top.Current = name;
                        if (!top.Names.Add(name))
                        {
                            return (PathOf(frames), "names this property more than once");
                        }

                        break;
                    case JsonTokenType.String:
                        Advance(frames);
                        if (!IsText(ref reader))
                        {
                            return (PathOf(frames), "is not valid text (invalid UTF-8 or a lone surrogate escape)");
                        }

                        break;
                    default:
                        Advance(frames);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>
    /// Whether every string and property name of <paramref name="utf8"/> is readable text, and nothing else: no path, no
    /// duplicate check (for a token's parts, which are read with duplicates refused by the parser). <see cref="Check"/>
    /// on every request's token cost a string per name and a set per object, several per cent of the request path
    /// (docs/benchmarks.md). A structural error is left to the parser.
    /// </summary>
    public static bool IsReadableText(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsText(ref reader))
                {
                    return false;
                }
            }
        }
        catch (JsonException)
        {
            return true;
        }

        return true;
    }

    /// <summary>
    /// Whether a string value or property name reads as text. An unescaped value is its own UTF-8, checked where it lies; only a value
    /// with escapes (which can spell a lone surrogate) is decoded, as before. Decoding every value allocated a string
    /// per value of every body only to drop it.
    /// </summary>
    private static bool IsText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
        }

        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Advance(List<Frame> frames)
    {
        if (frames.Count > 0 && !frames[^1].IsObject)
        {
            frames[^1].Index++;
        }
    }

    private static string PathOf(List<Frame> frames)
    {
        var path = new System.Text.StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.IsObject)
            {
                if (frame.Current is null)
                {
                    break;
                }

                if (path.Length > 0)
                {
                    path.Append('.');
                }

                path.Append(BluBees.Engine.Validation.ValidationErrors.SafeName(frame.Current));
            }
            else if (frame.Index >= 0)
            {
                path.Append('[').Append(frame.Index).Append(']');
            }
        }

        return path.Length == 0 ? "$" : path.ToString();
    }

    private sealed class Frame(bool isObject)
    {
        public bool IsObject { get; } = isObject;
        public int Index { get; set; } = -1;
        public string? Current { get; set; }
        public HashSet<string> Names => _names ??= new(StringComparer.Ordinal);

        private HashSet<string>? _names;
    }
}
