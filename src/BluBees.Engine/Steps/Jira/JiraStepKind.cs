using BluBees.Engine.Execution;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Jira;

/// <summary>A Jira action step (<c>jira.*</c>) on the site that sent the event; run by <see cref="JiraStepExecutor"/>.</summary>
public sealed class JiraStepKind : IStepKind
{
    private JiraStepKind(string name, params string[] fields)
    {
        Name = name;
        Fields = StepKinds.FieldSet(fields);
    }

    /// <summary>Every Jira kind (the same list as <see cref="CompiledJiraStep.Kinds"/>, which registers the executors).</summary>
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
}
