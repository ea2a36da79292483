using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// A condition's <c>op</c> in the OpenAPI document: one of the operators the backend compiles
/// (<see cref="ConditionOperators.Names"/>), so the UI's generated type names them. The record reads it as a string
/// (an unknown one is a 400 naming <c>op</c>), which the generator alone describes as any string.
/// </summary>
internal static class ConditionSchemas
{
    public static OpenApiOptions AddConditionOperators(this OpenApiOptions options) => options.AddSchemaTransformer((schema, context, _) =>
    {
        if (context.JsonTypeInfo.Type == typeof(ConditionNode) && schema.Properties?.TryGetValue("op", out var op) == true && op is OpenApiSchema operators)
        {
            operators.Type = JsonSchemaType.String;
            operators.Enum = [.. ConditionOperators.Names.Select(n => (JsonNode)JsonValue.Create(n))];
        }

        return Task.CompletedTask;
    });
}
