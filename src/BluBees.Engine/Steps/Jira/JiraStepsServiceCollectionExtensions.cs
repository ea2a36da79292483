using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

internal static class JiraStepsServiceCollectionExtensions
{
    /// <summary>
    /// The Jira site access the engine needs whatever kinds it runs (options from section <c>Jira</c>): the loop guard
    /// (<c>RunProcessor</c>), the issue reader of manual runs (<c>RunProcessor</c>), the field catalog (<c>DryRunner</c>, the API) and the site client under it; the transfer
    /// step reads the options for its Jira attachment source. Registered by the engine, not by a kind.
    /// </summary>
    public static IServiceCollection AddJiraSite(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraActionOptions>().Bind(configuration.GetSection(JiraActionOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JiraActionOptions>, JiraActionOptionsValidator>());
        services.TryAddSingleton<JiraEgressHandler>();
        services.TryAddSingleton<JiraSite>();
        services.TryAddSingleton(sp => new JiraFieldCatalog(
            sp.GetRequiredService<JiraSite>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<JiraActionOptions>>(),
            sp.GetRequiredService<IOptions<RunOptions>>(), sp.GetRequiredService<ILogger<JiraFieldCatalog>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Tenancy.ITenantMemory, JiraFieldCatalog>(sp => sp.GetRequiredService<JiraFieldCatalog>())); // what an uninstall drops
        services.TryAddSingleton<LoopGuard>();
        // A manual run's issue is read before its steps (RunProcessor), whichever step kinds are registered.
        services.AddJiraActions();
        services.TryAddSingleton(sp => new JiraIssueReader(sp.GetRequiredService<JiraActions>()));
        return services;
    }

    /// <summary>What only the Jira action steps use (comment, edit, transition, fetch, create, assign, link, search); each <see cref="JiraStepKind"/> adds it, TryAdd keeps it single.</summary>
    public static IServiceCollection AddJiraActions(this IServiceCollection services)
    {
        services.TryAddSingleton<JiraInstallGrace>();
        services.TryAddSingleton<JiraActions>();
        services.TryAddSingleton<JiraPreview>();
        return services;
    }
}
