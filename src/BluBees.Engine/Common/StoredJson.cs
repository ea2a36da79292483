using System.Text.Json;
using BluBees.Engine.Json;

namespace BluBees.Engine.Common;

/// <summary>Serialization of stored documents; one place so every item uses the same options.</summary>
public static class StoredJson
{
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, JsonDefaults.Options);

    public static T Read<T>(string data) => JsonSerializer.Deserialize<T>(data, JsonDefaults.Options)
        ?? throw new InvalidOperationException($"Stored {typeof(T).Name} is empty.");
}
