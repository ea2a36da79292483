using BluBees.Engine.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Engine.Steps.Jira;

public static class JiraStepsServiceCollectionExtensions
{
    /// <summary>The Jira action steps (comment, edit, transition, fetch, create, assign, link, search) and the loop guard; options from section <c>Jira</c>.</summary>
    public static IServiceCollection AddJiraSteps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JiraActionOptions>().Bind(configuration.GetSection(JiraActionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<JiraEgressHandler>();
        services.TryAddSingleton<JiraSite>();
        services.TryAddSingleton<JiraInstallGrace>();
        services.TryAddSingleton<JiraActions>();
        services.TryAddSingleton<JiraPreview>();
        services.TryAddSingleton<LoopGuard>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraCommentExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraEditExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraTransitionExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraFetchExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraCreateExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraAssignExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraLinkExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, JiraSearchExecutor>());
        return services;
    }
}
