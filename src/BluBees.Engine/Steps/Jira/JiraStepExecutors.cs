using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

/// <summary>The executor seam for the Jira kinds: one registered executor per kind, all sharing <see cref="JiraActions"/>.</summary>
internal abstract class JiraStepExecutor(JiraActions actions, JiraPreview preview) : IStepExecutor
{
    public abstract string Kind { get; }

    public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
        => actions.ExecuteAsync(run, (CompiledJiraStep)step, ct);

    public Task<StepPreview> PreviewAsync(string tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
        => Task.FromResult(preview.Preview((CompiledJiraStep)step, scope, path));
}

internal sealed class JiraCommentExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.CommentKind;
}

internal sealed class JiraEditExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.EditKind;
}

internal sealed class JiraTransitionExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.TransitionKind;
}

internal sealed class JiraFetchExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.FetchKind;
}

internal sealed class JiraCreateExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.CreateKind;
}

internal sealed class JiraAssignExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.AssignKind;
}

internal sealed class JiraLinkExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.LinkKind;
}

internal sealed class JiraSearchExecutor(JiraActions actions, JiraPreview preview) : JiraStepExecutor(actions, preview)
{
    public override string Kind => CompiledJiraStep.SearchKind;
}
