using System.Text.Json;

namespace BluBees.Engine.Json;

/// <summary>
/// A value that a converter read with a nested deserialization into <see cref="ValueType"/> (a step into its kind's
/// record) failed there. The serializer gives this exception the path of the value (<c>$.steps[0]</c>);
/// <see cref="Inner"/>'s path is relative to the value (<c>$.timeoutSeconds</c>) and is to be read through
/// <see cref="ValueType"/>'s contract, which is how the API names the field (<c>steps[0].timeoutSeconds</c>) and the
/// kind of value it expects. Nested values nest these exceptions.
/// </summary>
public sealed class NestedJsonException(Type valueType, JsonException inner)
    : JsonException($"The value could not be read as {valueType.Name}.", inner)
{
    public Type ValueType { get; } = valueType;

    public JsonException Inner { get; } = inner;
}
