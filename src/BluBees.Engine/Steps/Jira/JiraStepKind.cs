using BluBees.Engine.Execution;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps.Jira;

/// <summary>The Jira action kinds (<c>jira.*</c>), on the site that sent the event; each has its own definition record.</summary>
public static class JiraStepKinds
{
    /// <summary>Every Jira kind (the same list as <see cref="CompiledJiraStep.Kinds"/>; the registry tests check it).</summary>
    public static IReadOnlyList<IStepKind> All { get; } =
    [
        new JiraStepKind<JiraCommentStepDefinition>(CompiledJiraStep.CommentKind, JiraStepCompiler.Comment),
        new JiraStepKind<JiraEditStepDefinition>(CompiledJiraStep.EditKind, JiraStepCompiler.Edit),
        new JiraStepKind<JiraTransitionStepDefinition>(CompiledJiraStep.TransitionKind, JiraStepCompiler.Transition),
        new JiraStepKind<JiraFetchStepDefinition>(CompiledJiraStep.FetchKind, JiraStepCompiler.Fetch),
        new JiraStepKind<JiraCreateStepDefinition>(CompiledJiraStep.CreateKind, JiraStepCompiler.Create),
        new JiraStepKind<JiraAssignStepDefinition>(CompiledJiraStep.AssignKind, JiraStepCompiler.Assign),
        new JiraStepKind<JiraLinkStepDefinition>(CompiledJiraStep.LinkKind, JiraStepCompiler.Link),
        new JiraStepKind<JiraSearchStepDefinition>(CompiledJiraStep.SearchKind, JiraStepCompiler.Search),
    ];

    /// <summary>The request fields of <c>http</c> steps, which no Jira step takes (the Jira site and its token are implied).</summary>
    internal static readonly IReadOnlySet<string> HttpFields = new HashSet<string>(StringComparer.Ordinal)
    {
        "connection", "method", "path", "url", "headers", "query", "timeoutSeconds",
    };
}

/// <summary>A Jira action kind over its definition record; run by <see cref="JiraStepExecutor"/>.</summary>
public sealed class JiraStepKind<TDefinition> : StepKind<TDefinition>
    where TDefinition : StepDefinition
{
    private readonly Func<TDefinition, string, TemplateLimits, ValidationErrors, CompiledJiraStep?> _compile;

    internal JiraStepKind(string name, Func<TDefinition, string, TemplateLimits, ValidationErrors, CompiledJiraStep?> compile)
    {
        Name = name;
        _compile = compile;
    }

    public override string Name { get; }

    /// <summary>This kind's executor, over the action services the Jira kinds share (added once, by whichever kind comes first).</summary>
    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddJiraActions();
        var kind = Name;
        services.AddSingleton<IStepExecutor>(sp => new JiraStepExecutor(kind, sp.GetRequiredService<JiraActions>(), sp.GetRequiredService<JiraPreview>()));
    }

    protected override ICompiledStep? Compile(TDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => _compile(step, path, context.Limits, errors);

    /// <summary>As before the kinds had records of their own: an HTTP field is "not used by Jira steps", another Jira kind's field is not used by this one.</summary>
    protected override string? ForeignFieldMessage(string field)
        => JiraStepKinds.HttpFields.Contains(field) ? "is not used by Jira steps"
        : JiraStepKinds.All.Any(k => k.Fields.Contains(field)) ? $"is not used by {Name} steps"
        : null;
}
