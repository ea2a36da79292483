using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BluBees.Engine.Steps;
using BluBees.Engine.Validation;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Finds two properties of one request object that bind the same member of its type: the serializer matches names
/// case-insensitively (web defaults), so <c>{"hours":1,"Hours":72}</c> would set <c>hours</c> twice and keep the last
/// one. <see cref="JsonScan"/> refuses exact repeats everywhere; this refuses case variants only where the body's type
/// binds names (its records, steps included), walking the type's contract. Names that are data (a dictionary's keys:
/// step <c>headers</c>, <c>query</c>, Jira <c>fields</c>; a <c>JsonNode</c> or <c>JsonElement</c> value) are compared
/// exactly, by the scan, since <c>Content-Type</c> and <c>content-type</c> there are two entries.
/// </summary>
internal static class CaseVariantNames
{
    /// <summary>The field path of the first member named twice; null when none (or when names are matched exactly).</summary>
    public static string? Find(ReadOnlySpan<byte> utf8, JsonTypeInfo root)
    {
        if (!root.Options.PropertyNameCaseInsensitive)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = JsonScan.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            return Walk(document.RootElement, root, string.Empty);
        }
        catch (JsonException)
        {
            // Not a document: the deserializer has already said so.
            return null;
        }
    }

    private static string? Walk(JsonElement element, JsonTypeInfo info, string path)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (typeof(StepDefinition).IsAssignableFrom(type) && element.ValueKind == JsonValueKind.Object)
        {
            // A step is read by its converter into its kind's record, chosen by "type" (matched case-insensitively too).
            return Members(element, info.Options.GetTypeInfo(StepType(element)), path);
        }

        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when element.ValueKind == JsonValueKind.Object:
                return Members(element, info, path);
            case JsonTypeInfoKind.Enumerable when element.ValueKind == JsonValueKind.Array && info.ElementType is { } itemType:
                var items = info.Options.GetTypeInfo(itemType);
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Walk(item, items, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonTypeInfoKind.Dictionary when element.ValueKind == JsonValueKind.Object && info.ElementType is { } valueType:
                var values = info.Options.GetTypeInfo(valueType);
                foreach (var property in element.EnumerateObject())
                {
                    if (Walk(property.Value, values, Join(path, property.Name)) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string? Members(JsonElement element, JsonTypeInfo info, string path)
    {
        var members = new Dictionary<string, JsonPropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in info.Properties)
        {
            members.TryAdd(member.Name, member);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            // A name the type does not have is refused by the deserializer (unmapped members are disallowed).
            if (!members.TryGetValue(property.Name, out var member))
            {
                continue;
            }

            var field = Join(path, member.Name);
            if (!seen.Add(member.Name))
            {
                return field;
            }

            if (Walk(property.Value, info.Options.GetTypeInfo(member.PropertyType), field) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static Type StepType(JsonElement step)
    {
        string? name = null;
        foreach (var property in step.EnumerateObject())
        {
            if (string.Equals(property.Name, "type", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                name = property.Value.GetString();
            }
        }

        return StepKinds.TryGet(name, out var kind) ? kind.DefinitionType : typeof(UnknownStepDefinition);
    }

    private static string Join(string path, string name)
        => path.Length == 0 ? ValidationErrors.SafeName(name) : path + "." + ValidationErrors.SafeName(name);
}
