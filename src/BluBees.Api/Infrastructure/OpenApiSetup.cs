using BluBees.Engine.Crypto;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The OpenAPI document of <c>/api</c> (the routes the Custom UI calls), built by <c>Microsoft.AspNetCore.OpenApi</c>
/// from the endpoints' metadata (<see cref="ApiContract"/>). It is committed as <c>docs/openapi.json</c> and the UI's
/// TypeScript types are generated from it (<c>node scripts/generate-api-types.mjs</c>); a test fails when either is
/// stale. Served at <see cref="DocumentPath"/> only when <c>OpenApi:Enabled</c> is true (development and the tests):
/// production does not publish it (docs/security.md).
/// </summary>
internal static class OpenApiSetup
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string EnabledKey = "OpenApi:Enabled";

    /// <summary>
    /// Registers the document's generator only when it is served: otherwise its services, and the MVC and OpenAPI
    /// assemblies they load, would cost every start (issue 14, docs/benchmarks.md "Cold start") for nothing.
    /// </summary>
    public static IServiceCollection AddBluBeesOpenApi(this IServiceCollection services, IConfiguration configuration)
    {
        // Validated at start: an anonymous document of every admin route is refused beside the AWS providers.
        services.AddOptions<OpenApiDocumentOptions>().Bind(configuration.GetSection(OpenApiDocumentOptions.Section))
            .Configure<IOptions<StorageOptions>, IOptions<KeyOptions>>((openApi, storage, keys) => openApi.AwsProvider = AwsProviderSetting.Of(storage.Value, keys.Value))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenApiDocumentOptions>, OpenApiDocumentOptionsValidator>());
        return configuration.GetValue<bool>(EnabledKey) ? services.AddBluBeesOpenApi(StepKinds.Default) : services;
    }

    /// <summary>The document with the steps of <paramref name="kinds"/> (a test adds a kind of its own).</summary>
    internal static IServiceCollection AddBluBeesOpenApi(this IServiceCollection services, StepKindSet kinds) => services.AddOpenApi("v1", options =>
    {
        // The Forge, support, worker and dev routes have other callers (Forge, support staff, SQS) and are documented
        // in docs/api.md; the document describes what the UI calls.
        options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
        options.AddStepSchemas(kinds);
        options.AddConditionOperators();
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo { Title = "BluBees API", Version = "v1", Description = "The routes the BluBees Custom UI calls (docs/api.md)." };
            // The generator names the requesting host; the committed document must not depend on where it was fetched.
            document.Servers = [];
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParameters>().LastOrDefault() is { } query)
            {
                operation.Parameters ??= [];
                // A handler parameter bound from the query is described already; naming it again would list it twice.
                foreach (var name in query.Names.Where(n => !operation.Parameters.Any(p => p.In == ParameterLocation.Query && p.Name == n)))
                {
                    operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Query, Required = query.Required, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
                }
            }

            return Task.CompletedTask;
        });
        options.AddDocumentTransformer((document, _, _) =>
        {
            OmittedNulls(document);
            return Task.CompletedTask;
        });
    });

    /// <summary>
    /// Answers are written without null properties (<see cref="JsonSetup"/>: <c>WhenWritingNull</c>), so a property that
    /// may be null is absent then, not null: in an answer's schema it is optional, not required (a run page without
    /// <c>nextCursor</c>, a rule that never ran without <c>lastRun</c>). Request bodies keep theirs: the handler requires them.
    /// </summary>
    private static void OmittedNulls(OpenApiDocument document)
    {
        var bodies = (document.Paths ?? [])
            .SelectMany(p => p.Value.Operations ?? [])
            .Select(o => o.Value.RequestBody?.Content?.TryGetValue(Json, out var media) == true ? media.Schema : null)
            .OfType<OpenApiSchemaReference>()
            .Select(r => r.Reference.Id)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (name, component) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (bodies.Contains(name) || component is not OpenApiSchema { Required.Count: > 0, Properties: { } properties } schema)
            {
                continue;
            }

            foreach (var optional in schema.Required.Where(p => properties.TryGetValue(p, out var property) && MayBeNull(property)).ToList())
            {
                schema.Required.Remove(optional);
            }
        }
    }

    private static bool MayBeNull(IOpenApiSchema schema)
        => (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
           || schema.OneOf?.Any(o => o.Type is { } t && t.HasFlag(JsonSchemaType.Null)) == true;

    private const string Json = "application/json";

    /// <summary>Maps the document when configuration asks for it (never by default).</summary>
    public static WebApplication MapBluBeesOpenApi(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>(EnabledKey))
        {
            app.MapOpenApi(DocumentPath).AllowAnonymous();
        }

        return app;
    }
}
