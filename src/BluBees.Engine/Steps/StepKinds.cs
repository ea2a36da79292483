using System.Collections.Frozen;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>Validates and compiles one step of a kind; adds every problem to <c>errors</c> under <c>path</c> and returns null then.</summary>
public delegate ICompiledStep? StepCompiler(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors);

/// <summary>What step compilers may consult: the tenant's own connections (null at run time: already checked), egress policy and template limits.</summary>
public sealed record StepCompileContext(IReadOnlyDictionary<string, Connection>? Connections, EgressOptions Egress, TemplateLimits Limits);

/// <summary>The step kinds a rule may use, by their <c>type</c>. Compilation is pure, so the registry is static.</summary>
public static class StepKinds
{
    private static readonly FrozenDictionary<string, StepCompiler> Compilers = new Dictionary<string, StepCompiler>(StringComparer.Ordinal)
    {
        [CompiledHttpStep.KindName] = (step, path, context, errors) => HttpStepCompiler.Compile(step, path, context.Connections, context.Egress, context.Limits, errors),
        [Jira.CompiledJiraStep.CommentKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.CommentKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.EditKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.EditKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.TransitionKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.TransitionKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.FetchKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.FetchKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.CreateKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.CreateKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.AssignKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.AssignKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.LinkKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.LinkKind, step, path, context.Limits, errors),
        [Jira.CompiledJiraStep.SearchKind] = (step, path, context, errors) => Jira.JiraStepCompiler.Compile(Jira.CompiledJiraStep.SearchKind, step, path, context.Limits, errors),
        [Ai.CompiledAiStep.KindName] = Ai.AiStepCompiler.Compile,
        [Transfer.CompiledTransferStep.KindName] = Transfer.TransferStepCompiler.Compile,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every kind, for error messages and the API's schema.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Compilers.Keys.Order(StringComparer.Ordinal)];

    public static bool TryGet(string? kind, out StepCompiler compiler)
    {
        compiler = null!;
        return kind is not null && Compilers.TryGetValue(kind, out compiler!);
    }
}
