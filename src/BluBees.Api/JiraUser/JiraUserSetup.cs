using BluBees.Api.Infrastructure;
using BluBees.Api.Permissions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.JiraUser;

/// <summary>Reads from Jira as the calling user: the field list for rule warnings, an issue for a dry run's sample event.</summary>
internal static class JiraUserSetup
{
    public static IServiceCollection AddJiraUserReads(this IServiceCollection services)
    {
        services.AddSingleton<UserFieldCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Engine.Tenancy.ITenantMemory, UserFieldCatalog>(sp => sp.GetRequiredService<UserFieldCatalog>())); // what an uninstall drops
        services.AddTransient<UserJqlCheck>();
        services.AddTransient<JiraUserClient>();
        services.AddHttpClient(JiraUserClient.HttpClientName, (sp, client) =>
                client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<JiraOptions>>().Value.TimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(AtlassianHttpHandler.Create)
            .RedactLoggedHeaders(_ => true); // the Authorization header carries the user's token
        return services;
    }
}
