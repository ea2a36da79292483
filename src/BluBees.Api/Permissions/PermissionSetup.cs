using BluBees.Api.Infrastructure;
using Microsoft.Extensions.Options;
using Refit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Api.Permissions;

/// <summary>Who may call each /api route (see <see cref="ApiPermissionFilter"/>); the checks use the calling user's token.</summary>
internal static class PermissionSetup
{
    public static IServiceCollection AddJiraPermissions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraOptions>().Bind(configuration.GetSection(JiraOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JiraOptions>, JiraOptionsValidator>());
        services.AddOptions<DevAdminOptions>().Bind(configuration.GetSection(Dev.DevOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DevAdminOptions>, DevAdminOptionsValidator>());
        services.AddSingleton<PermissionAnswerCache>();
        services.AddTransient<JiraPermissionChecker>();
        services.AddRefitGeneratedClient<IJiraPermissionsApi>(JiraJsonContext.Default)
            .ConfigureHttpClient((sp, client) =>
            {
                // Refit insists on a base address; every call names its absolute URL (the tenant's apiBaseUrl).
                client.BaseAddress = new Uri("https://api.atlassian.com/");
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<JiraOptions>>().Value.TimeoutSeconds);
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
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
        return api;
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
