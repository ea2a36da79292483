using Microsoft.Extensions.Options;
using Refit;

namespace BluBees.Api.Permissions;

/// <summary>Only Jira administrators may change configuration; the check uses the calling user's token.</summary>
public static class PermissionSetup
{
    public static IServiceCollection AddJiraPermissions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraOptions>().Bind(configuration.GetSection(JiraOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DevAdminOptions>().Bind(configuration.GetSection(Dev.DevOptions.Section));
        services.AddSingleton<AdminAnswerCache>();
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

    /// <summary>Applies the admin-only rule to every write under /api.</summary>
    public static RouteGroupBuilder RequireAdminForWrites(this RouteGroupBuilder api)
    {
        api.AddEndpointFilter<AdminWriteFilter>();
        return api;
    }

    /// <summary>GET /api/me.</summary>
    public static RouteGroupBuilder MapMe(this RouteGroupBuilder api)
    {
        api.MapGet("/me", MeEndpoints.GetAsync);
        return api;
    }
}
