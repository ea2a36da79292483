using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

internal static class JiraStepsServiceCollectionExtensions
{
    /// <summary>The Jira action steps (comment, edit, transition, fetch, create, assign, link, search) and the loop guard; options from section <c>Jira</c>.</summary>
    public static IServiceCollection AddJiraSteps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraActionOptions>().Bind(configuration.GetSection(JiraActionOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JiraActionOptions>, JiraActionOptionsValidator>());
        services.TryAddSingleton<JiraEgressHandler>();
        services.TryAddSingleton<JiraSite>();
        services.TryAddSingleton(sp => new JiraFieldCatalog(
            sp.GetRequiredService<JiraSite>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<JiraActionOptions>>(),
            sp.GetRequiredService<IOptions<RunOptions>>(), sp.GetRequiredService<ILogger<JiraFieldCatalog>>()));
        services.TryAddSingleton<JiraInstallGrace>();
        services.TryAddSingleton<JiraActions>();
        services.TryAddSingleton<JiraPreview>();
        services.TryAddSingleton<LoopGuard>();
        // One executor per Jira kind (a new kind is one entry in CompiledJiraStep.Kinds); the marker keeps a second
        // call of this method from registering them twice.
        if (!services.Any(d => d.ServiceType == typeof(JiraExecutorsRegistered)))
        {
            services.AddSingleton<JiraExecutorsRegistered>();
            foreach (var kind in CompiledJiraStep.Kinds)
            {
                services.AddSingleton<IStepExecutor>(sp => new JiraStepExecutor(kind, sp.GetRequiredService<JiraActions>(), sp.GetRequiredService<JiraPreview>()));
            }
        }

        return services;
    }

    private sealed class JiraExecutorsRegistered;
}
