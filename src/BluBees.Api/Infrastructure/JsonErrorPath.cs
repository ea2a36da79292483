using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BluBees.Engine.Json;
using BluBees.Engine.Steps;
using BluBees.Engine.Validation;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Names the field of a failed deserialization from structured facts: <see cref="JsonException.Path"/> (the path of
/// the member being read, e.g. <c>$.steps[0].timeoutSeconds</c>, which for a member refused as unmapped ends with that
/// member's name) walked through the target type's <see cref="JsonTypeInfo"/> contract. Property names come from the
/// request, so each one is shown only when short and plain (<see cref="ValidationErrors.SafeName"/>).
/// </summary>
internal static class JsonErrorPath
{
    /// <summary>Where a failure is: the field as errors name it, and either the unknown member or the expected contract.</summary>
    internal sealed record Failure(string Field, string? Unknown, JsonTypeInfo? Expected);

    /// <summary><c>$.a[0].b</c> as <c>a[0].b</c>; <c>$</c> (or no path) for the root.</summary>
    public static string Field(string? path) => Format(Parse(path));

    /// <summary>
    /// Walks the exception's path through <paramref name="root"/>'s contract; a <see cref="NestedJsonException"/>
    /// (a step read into its kind's record) continues the walk with its inner path through that record's contract, so
    /// that <c>$.steps[0]</c> then <c>$.timeoutSeconds</c> in <c>HttpStepDefinition</c> is <c>steps[0].timeoutSeconds</c>.
    /// </summary>
    public static Failure Resolve(JsonException exception, JsonTypeInfo root)
    {
        var done = new List<Segment>();
        var info = root;
        for (var current = exception; ; current = ((NestedJsonException)current).Inner)
        {
            var segments = Parse(current.Path);
            for (var i = 0; i < segments.Count; i++)
            {
                var segment = segments[i];
                var next = info.Kind switch
                {
                    JsonTypeInfoKind.Object when segment.Name is { } name => Member(info, name),
                    JsonTypeInfoKind.Enumerable when segment.Index is not null => info.ElementType,
                    JsonTypeInfoKind.Dictionary when segment.Name is not null => info.ElementType,
                    _ => null,
                };

                if (next is null)
                {
                    // A name the object's contract does not have is what Disallow refuses; anything else (an index into
                    // an object, a member of a number) means the value there is not of the kind the contract expects.
                    return info.Kind == JsonTypeInfoKind.Object && segment.Name is { } unknown
                        ? new Failure(Format([.. done, .. segments.Take(i + 1)]), ValidationErrors.SafeName(unknown), null)
                        : new Failure(Format([.. done, .. segments.Take(i)]), null, info);
                }

                info = info.Options.GetTypeInfo(next);
            }

            done.AddRange(segments);
            if (current is not NestedJsonException nested)
            {
                return new Failure(Format(done), null, info);
            }

            info = info.Options.GetTypeInfo(nested.ValueType);
        }
    }

    /// <summary>The kind of JSON value a contract accepts, in words.</summary>
    public static string Expected(JsonTypeInfo? info)
    {
        if (info is null)
        {
            return "a value of another kind";
        }

        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Dictionary => info.ElementType == typeof(string) ? "an object of string values" : "an object",
            JsonTypeInfoKind.Object => "an object",
            _ when type.IsEnum => "one of " + string.Join(", ", EnumNames(type)),
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
                || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date-time string (ISO 8601)",
            _ when type == typeof(TimeSpan) => "a duration string (hh:mm:ss)",
            _ when typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement) => "a JSON value",
            // A step: read by a converter into its kind's record, so its contract states no kind.
            _ when typeof(StepDefinition).IsAssignableFrom(type) => "an object",
            _ => "a value of another kind",
        };
    }

    /// <summary>The names <c>JsonStringEnumConverter</c> (camelCase, <see cref="BluBees.Engine.Json.JsonDefaults"/>) reads.</summary>
    private static IEnumerable<string> EnumNames(Type type)
        => type.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f =>
            f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(f.Name));

    private static Type? Member(JsonTypeInfo info, string name)
    {
        var comparison = info.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, comparison))?.PropertyType;
    }

    private readonly record struct Segment(string? Name, int? Index);

    /// <summary>
    /// Reads System.Text.Json's path syntax: <c>$</c>, then <c>.name</c>, <c>['name']</c> (names with special
    /// characters, written unescaped) or <c>[0]</c>. Anything unexpected ends the walk where it is.
    /// </summary>
    private static List<Segment> Parse(string? path)
    {
        var segments = new List<Segment>();
        if (path is null || !path.StartsWith('$'))
        {
            return segments;
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not '.' and not '[')
                {
                    end++;
                }

                segments.Add(new Segment(path[(i + 1)..end], null));
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                // The name is unescaped: the last "']" before the next segment start is taken as its end.
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    segments.Add(new Segment(path[(i + 2)..], null));
                    break;
                }

                segments.Add(new Segment(path[(i + 2)..end], null));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    break;
                }

                segments.Add(new Segment(null, index));
                i = end + 1;
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    private static string Format(IEnumerable<Segment> segments)
    {
        var field = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment.Index is { } index)
            {
                field.Append('[').Append(index).Append(']');
            }
            else
            {
                if (field.Length > 0)
                {
                    field.Append('.');
                }

                field.Append(ValidationErrors.SafeName(segment.Name!));
            }
        }

        return field.Length == 0 ? "$" : field.ToString();
    }
}
