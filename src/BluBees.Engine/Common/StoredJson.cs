using System.Text.Json;
using BluBees.Engine.Json;

namespace BluBees.Engine.Common;

/// <summary>Serialization of stored documents; one place so every item uses the same options.</summary>
public static class StoredJson
{
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, JsonDefaults.Options);

    public static T Read<T>(string data) => JsonSerializer.Deserialize<T>(data, JsonDefaults.Options)
        ?? throw new InvalidOperationException($"Stored {typeof(T).Name} is empty.");

    /// <summary>
    /// <see cref="Read{T}"/>, but a member this build does not know is skipped (<see cref="JsonDefaults.Tolerant"/>): for
    /// what the admin and support routes only show, or keep as this build knows it, of an item a later build may have
    /// written (a rollback after a deploy), where a strict read answered 500. Not for what decides how a rule runs or
    /// who may read what: those stay strict (and refuse, or fail closed).
    /// </summary>
    public static T ReadTolerant<T>(string data) => JsonSerializer.Deserialize<T>(data, JsonDefaults.Tolerant)
        ?? throw new InvalidOperationException($"Stored {typeof(T).Name} is empty.");

    /// <summary>
    /// Whether a stored item that did not read as this build's type is still a JSON object: a later build's shape (a
    /// rollback), as opposed to a damaged item that is not JSON at all, whose read keeps failing as a store fault.
    /// </summary>
    public static bool IsJsonObject(string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// <see cref="Write{T}"/> for an update of a stored item read with <see cref="ReadTolerant{T}"/>: this build's members
    /// replaced, and every member a later build added kept as it was (an update by this build, after a rollback, must
    /// not drop data the later build needs when it is deployed again).
    /// </summary>
    public static string WriteKeepingUnknown<T>(string original, T updated)
    {
        var written = JsonSerializer.SerializeToNode(updated, JsonDefaults.Options)!.AsObject();
        if (System.Text.Json.Nodes.JsonNode.Parse(original, JsonDefaults.NodeOptions) is not System.Text.Json.Nodes.JsonObject merged)
        {
            return written.ToJsonString();
        }

        foreach (var (name, value) in written)
        {
            merged[name] = value?.DeepClone();
        }

        return merged.ToJsonString();
    }
}
