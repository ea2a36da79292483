using System.Buffers;
using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Engine.Json;

namespace BluBees.Engine.Steps;

/// <summary>
/// Reads a step's flat JSON object into its kind's record (<see cref="IStepKind.DefinitionType"/>, by <c>type</c>,
/// wherever in the object it is) and writes the record back flat. System.Text.Json's own polymorphism was not used: it
/// fails on a missing or unknown <c>type</c> (the compiler names those, listing the types), and it refuses every field
/// its record lacks, where a field of another kind must be kept so that a stored rule still loads and runs.
/// <list type="bullet">
/// <item>A field of another kind (or flow block) is kept in <see cref="StepDefinition.ForeignFields"/>: the kind may
/// name it, and a save refuses it (<c>Rules.StepListCompiler</c>). A null one is left out, as an unset field.</item>
/// <item>A field of no kind is left in for the record's contract to refuse (unmapped members are disallowed), so the
/// error names it as before: <c>steps[0].retries: unknown property 'retries'</c>.</item>
/// <item>A missing or unknown <c>type</c> reads the common fields only (<see cref="UnknownStepDefinition"/>).</item>
/// </list>
/// The record is read by a nested deserialization, whose failures carry paths relative to the step:
/// <see cref="NestedJsonException"/> carries them out with the record's type, for the API to name the field.
/// </summary>
public sealed class StepDefinitionConverter : JsonConverter<StepDefinition>
{
    private const string TypeField = "type";

    private readonly StepKindSet _kinds;
    private readonly ConditionalWeakTable<JsonSerializerOptions, Contracts> _contracts = new();

    public StepDefinitionConverter()
        : this(StepKinds.Default)
    {
    }

    internal StepDefinitionConverter(StepKindSet kinds) => _kinds = kinds;

    public override StepDefinition? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // The serializer adds the path; the API names the field and the object it expects.
            throw new JsonException("A step must be a JSON object.");
        }

        var contracts = _contracts.GetValue(options, o => new Contracts(_kinds, o));
        using var document = JsonDocument.ParseValue(ref reader);
        var definitionType = typeof(UnknownStepDefinition);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (string.Equals(property.Name, TypeField, contracts.Comparison))
            {
                definitionType = property.Value.ValueKind == JsonValueKind.String && _kinds.Definitions.TryGetValue(property.Value.GetString()!, out var type)
                    ? type
                    : typeof(UnknownStepDefinition);
            }
        }

        var own = contracts.Fields(definitionType);
        var buffer = new ArrayBufferWriter<byte>();
        Dictionary<string, JsonElement>? foreign = null;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (own.Contains(property.Name) || !contracts.Known.TryGetValue(property.Name, out var name))
                {
                    property.WriteTo(writer);
                }
                else if (property.Value.ValueKind != JsonValueKind.Null)
                {
                    (foreign ??= new(StringComparer.Ordinal))[name] = property.Value.Clone();
                }
            }

            writer.WriteEndObject();
        }

        StepDefinition step;
        try
        {
            step = (StepDefinition)JsonSerializer.Deserialize(buffer.WrittenSpan, definitionType, options)!;
        }
        catch (JsonException ex)
        {
            throw new NestedJsonException(definitionType, ex);
        }

        return foreign is null ? step : step with { ForeignFields = foreign };
    }

    public override void Write(Utf8JsonWriter writer, StepDefinition value, JsonSerializerOptions options)
    {
        if (value.ForeignFields.Count == 0)
        {
            JsonSerializer.Serialize(writer, value, value.GetType(), options);
            return;
        }

        using var own = JsonSerializer.SerializeToDocument(value, value.GetType(), options);
        writer.WriteStartObject();
        foreach (var property in own.RootElement.EnumerateObject())
        {
            property.WriteTo(writer);
        }

        foreach (var (name, field) in value.ForeignFields)
        {
            if (!own.RootElement.TryGetProperty(name, out _))
            {
                writer.WritePropertyName(name);
                field.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>The field names of every record under one set of options (names and their case rule come from the options).</summary>
    private sealed class Contracts
    {
        private readonly FrozenDictionary<Type, FrozenSet<string>> _fields;

        public Contracts(StepKindSet kinds, JsonSerializerOptions options)
        {
            Comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var comparer = StringComparer.FromComparison(Comparison);
            _fields = kinds.Definitions.Values.Append(typeof(UnknownStepDefinition)).Distinct()
                .ToFrozenDictionary(t => t, t => options.GetTypeInfo(t).Properties.Select(p => p.Name).ToFrozenSet(comparer));
            var known = new Dictionary<string, string>(comparer);
            foreach (var name in _fields.Values.SelectMany(f => f))
            {
                known.TryAdd(name, name);
            }

            Known = known.ToFrozenDictionary(comparer);
        }

        public StringComparison Comparison { get; }

        /// <summary>Every field of some record, to its name as written.</summary>
        public FrozenDictionary<string, string> Known { get; }

        public FrozenSet<string> Fields(Type definitionType) => _fields[definitionType];
    }
}
