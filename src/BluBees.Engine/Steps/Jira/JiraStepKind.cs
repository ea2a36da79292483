using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps.Jira;

/// <summary>A Jira action step (<c>jira.*</c>) on the site that sent the event; run by <see cref="JiraStepExecutor"/>.</summary>
public sealed class JiraStepKind : IStepKind
{
    private JiraStepKind(string name, params string[] fields)
    {
        Name = name;
        Fields = StepKinds.FieldSet(fields);
    }

    /// <summary>Every Jira kind (the same list as <see cref="CompiledJiraStep.Kinds"/>; the registry tests check it).</summary>
    public static IReadOnlyList<JiraStepKind> All { get; } =
    [
        new(CompiledJiraStep.CommentKind, "issue", "body"),
        new(CompiledJiraStep.EditKind, "issue", "fields", "update"),
        new(CompiledJiraStep.TransitionKind, "issue", "transition", "transitionId"),
        new(CompiledJiraStep.FetchKind, "issue"),
        new(CompiledJiraStep.CreateKind, "fields", "project", "issueType", "parent"),
        new(CompiledJiraStep.AssignKind, "issue", "assignee"),
        new(CompiledJiraStep.LinkKind, "linkType", "inwardIssue", "outwardIssue"),
        new(CompiledJiraStep.SearchKind, "jql", "select", "maxResults"),
    ];

    public string Name { get; }

    public IReadOnlySet<string> Fields { get; }

    public ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => JiraStepCompiler.Compile(Name, step, path, context.Limits, errors);

    /// <summary>This kind's executor, over the action services the Jira kinds share (added once, by whichever kind comes first).</summary>
    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddJiraActions();
        var kind = Name;
        services.AddSingleton<IStepExecutor>(sp => new JiraStepExecutor(kind, sp.GetRequiredService<JiraActions>(), sp.GetRequiredService<JiraPreview>()));
    }
}
