using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// The executor seam for the Jira kinds: one registered instance per kind (by <see cref="JiraStepKind{TDefinition}.AddServices"/>), all
/// sharing <see cref="JiraActions"/> and <see cref="JiraPreview"/>.
/// </summary>
internal sealed class JiraStepExecutor(string kind, JiraActions actions, JiraPreview preview) : IStepExecutor
{
    public string Kind => kind;

    public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
        => actions.ExecuteAsync(run, (CompiledJiraStep)step, ct);

    public Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
        => Task.FromResult(preview.Preview((CompiledJiraStep)step, scope, path));
}
