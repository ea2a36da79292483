using BluBees.Api.Infrastructure;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;
using Refit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Api.Permissions;

/// <summary>Who may call each /api route (see <see cref="ApiPermissionFilter"/>); the checks use the calling user's token.</summary>
internal static class PermissionSetup
{
    public static IServiceCollection AddJiraPermissions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraOptions>().Bind(configuration.GetSection(JiraOptions.Section))
            .Configure<IOptions<StorageOptions>, IOptions<KeyOptions>>((jira, storage, keys) => jira.AwsProvider = AwsProviderSetting.Of(storage.Value, keys.Value))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JiraOptions>, JiraOptionsValidator>());
        services.AddOptions<DevAdminOptions>().Bind(configuration.GetSection(Dev.DevOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DevAdminOptions>, DevAdminOptionsValidator>());
        services.AddSingleton<PermissionAnswerCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Engine.Tenancy.ITenantMemory, PermissionAnswerCache>(sp => sp.GetRequiredService<PermissionAnswerCache>())); // what an uninstall drops
        services.AddTransient<JiraPermissionChecker>();
        services.AddRefitGeneratedClient<IJiraPermissionsApi>(JiraJsonContext.Default)
            .ConfigureHttpClient((sp, client) =>
            {
                // Refit insists on a base address; every call names its absolute URL (the tenant's apiBaseUrl).
                client.BaseAddress = new Uri("https://api.atlassian.com/");
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<JiraOptions>>().Value.TimeoutSeconds);
            })
            .ConfigurePrimaryHttpMessageHandler(AtlassianHttpHandler.Create)
            .RedactLoggedHeaders(_ => true); // the Authorization header carries the user's token
        return services;
    }

    /// <summary>Applies the /api permission model: administrators only, except routes marked <see cref="ApiAccess"/>.</summary>
    public static RouteGroupBuilder RequireApiPermissions(this RouteGroupBuilder api)
    {
        // One stateless instance. The generic AddEndpointFilter<T> first asks ActivatorUtilities for a constructor
        // taking the factory context and catches the InvalidOperationException it throws (at every start), then
        // compiles an expression tree for the factory: both cost start-up time (issue 14).
        api.AddEndpointFilter(new ApiPermissionFilter());

        // What the filter answers before a handler runs, stated for the OpenAPI document (after the route's own
        // conventions, so its ApiAccess is known): 503 when Jira cannot confirm the permission (every route but the
        // ones open to any user or checked by the handler), 400 for an issue route's ill-formed {key} (or issueId).
        ((IEndpointConventionBuilder)api).Finally(endpoint =>
        {
            var kind = endpoint.Metadata.OfType<ApiAccess>().LastOrDefault()?.Kind;
            if (kind is ApiAccessKind.AnyUser or ApiAccessKind.EditIssueInBody)
            {
                return;
            }

            States(endpoint, StatusCodes.Status503ServiceUnavailable);
            if (kind is ApiAccessKind.BrowseIssue or ApiAccessKind.BrowseIssueById)
            {
                States(endpoint, StatusCodes.Status400BadRequest);
            }
        });
        return api;
    }

    private static void States(EndpointBuilder endpoint, int status)
    {
        if (!endpoint.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IProducesResponseTypeMetadata>().Any(m => m.StatusCode == status))
        {
            endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/json"]));
        }
    }

    /// <summary>Marks a route as open beyond administrators (see <see cref="ApiAccess"/>).</summary>
    public static TBuilder WithApiAccess<TBuilder>(this TBuilder builder, ApiAccess access)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(access);

    /// <summary>GET /api/me: any signed-in user (the UI asks whether to show its editing controls).</summary>
    public static RouteGroupBuilder MapMe(this RouteGroupBuilder api)
    {
        api.MapGet("/me", MeEndpoints.GetAsync).WithApiAccess(ApiAccess.AnyUser);
        return api;
    }
}
