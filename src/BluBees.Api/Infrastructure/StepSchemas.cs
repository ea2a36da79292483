using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The OpenAPI description of a step, generated from the step-kind registry: <c>StepDefinition</c> is a <c>oneOf</c> of
/// every kind's (and flow block's) record with <c>type</c> as the discriminator, each record a component of its own
/// (<c>HttpStepDefinition</c>, <c>JiraCommentStepDefinition</c>, ...) whose <c>type</c> is its one name. A step is read by
/// a converter (<see cref="StepDefinitionConverter"/>), so the generator sees no contract for it (a rule's
/// <c>steps</c> would be an array of anything); this puts the kinds back, and a new kind appears without an edit here.
/// </summary>
internal static class StepSchemas
{
    private const string Discriminator = "type";
    private const string StepComponent = nameof(StepDefinition);

    /// <summary>The schemas of <paramref name="kinds"/> (<see cref="StepKinds.Default"/>; a test passes a set with a kind of its own).</summary>
    internal static OpenApiOptions AddStepSchemas(this OpenApiOptions options, StepKindSet kinds)
    {
        var definitions = kinds.Definitions.OrderBy(d => d.Key, StringComparer.Ordinal).ToList();
        return options.AddDocumentTransformer(async (document, context, ct) =>
        {
            var json = context.ApplicationServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            foreach (var (name, type) in definitions)
            {
                // Generated here, the record's own schema has its nested types inline; Link puts the references back.
                if (await context.GetOrCreateSchemaAsync(type, null, ct) is OpenApiSchema schema)
                {
                    schema.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
                    schema.Properties[Discriminator] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(name)!] };
                    schema.Required ??= new HashSet<string>(StringComparer.Ordinal);
                    schema.Required.Add(Discriminator);
                    document.Components.Schemas[type.Name] = schema;
                }
            }

            document.Components.Schemas[StepComponent] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                OneOf = [.. definitions.Select(d => (IOpenApiSchema)new OpenApiSchemaReference(d.Value.Name, document))],
                Discriminator = new OpenApiDiscriminator
                {
                    PropertyName = Discriminator,
                    Mapping = definitions.ToDictionary(d => d.Key, d => new OpenApiSchemaReference(d.Value.Name, document), StringComparer.Ordinal),
                },
            };

            foreach (var type in definitions.Select(d => d.Value).Prepend(typeof(RuleDefinition)))
            {
                Link(document, json, type);
            }
        });
    }

    /// <summary>
    /// In <paramref name="type"/>'s component, a list of steps becomes an array of <c>StepDefinition</c>, and a property
    /// of a type that is a component of the document (a condition) refers to it.
    /// </summary>
    private static void Link(OpenApiDocument document, JsonSerializerOptions json, Type type)
    {
        var components = document.Components!.Schemas!;
        if (!components.TryGetValue(type.Name, out var component) || component is not OpenApiSchema { Properties: { } properties })
        {
            return;
        }

        foreach (var property in json.GetTypeInfo(type).Properties)
        {
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (typeof(IEnumerable<StepDefinition>).IsAssignableFrom(propertyType))
            {
                properties[property.Name] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Null | JsonSchemaType.Array,
                    Items = new OpenApiSchemaReference(StepComponent, document),
                };
            }
            else if (propertyType != type && components.ContainsKey(propertyType.Name) && properties.ContainsKey(property.Name))
            {
                properties[property.Name] = new OpenApiSchema
                {
                    OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, new OpenApiSchemaReference(propertyType.Name, document)],
                };
            }
        }
    }
}
