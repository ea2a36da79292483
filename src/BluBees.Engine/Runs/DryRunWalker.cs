using System.Collections.Frozen;
using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// Walks a rule's steps for a dry run as a real run would, control flow included: evaluates each <c>if</c> with
/// the sample, takes the branch it picks, and previews a loop's steps for its first
/// <see cref="FlowLimits.DryRunIterations"/> elements (one placeholder element, <see cref="DryRunPlaceholders.Item"/>,
/// when the list comes from a step a dry run does not execute). Sends nothing; runs on one thread.
/// </summary>
internal sealed class DryRunWalker(FrozenDictionary<string, IStepExecutor> executors, TenantId tenantId)
{
    public List<DryRunRequest> Requests { get; } = [];

    public List<DryRunError> Errors { get; } = [];

    public List<DryRunStep> Flow { get; } = [];

    public async Task WalkAsync(IReadOnlyList<ICompiledStep> steps, JsonObject scope, string listPath, int? index, CancellationToken ct)
    {
        var stepsScope = (JsonObject)scope["steps"]!;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var path = $"{listPath}[{i}]";
            if (step is GuardedStep guarded)
            {
                var (holds, trace) = Evaluate(guarded.If, scope, path + ".if");
                if (holds != true)
                {
                    stepsScope.Remove(step.Id);
                    Flow.Add(new DryRunStep(path, step.Id, step.Kind, holds is null ? DryRunStep.Error : DryRunStep.Skipped)
                    {
                        Index = index, SkippedBy = holds is null ? null : FlowKinds.SkippedByIf, Conditions = trace, ReadsDryRunOutput = ReadsPlaceholder(guarded.ReadFields, scope),
                    });
                    continue;
                }

                step = guarded.Step;
            }

            switch (step)
            {
                case CompiledIfBlock block:
                    await IfAsync(block, scope, path, index, ct);
                    break;
                case CompiledForEach loop:
                    await LoopAsync(loop, scope, path, index, ct);
                    break;
                default:
                    await LeafAsync(step, scope, path, index, ct);
                    break;
            }
        }
    }

    private async Task LeafAsync(ICompiledStep step, JsonObject scope, string path, int? index, CancellationToken ct)
    {
        StepPreview preview;
        try
        {
            preview = await executors[step.Kind].PreviewAsync(tenantId, step, scope, path, ct);
        }
        catch (Connections.ConnectionSavedByNewerVersionException ex)
        {
            preview = new StepPreview(null, new DryRunError(path + ".connection", ErrorCategories.ConnectionSavedByNewerVersion,
                $"connection '{ex.ConnectionId}' was saved by a newer version of BluBees, which this version cannot read: open it and save it again"), null);
        }

        Flow.Add(new DryRunStep(path, step.Id, step.Kind, preview.Error is null ? DryRunStep.Previewed : DryRunStep.Error) { Index = index });
        if (preview.Error is not null)
        {
            Errors.Add(preview.Error);
            return;
        }

        if (preview.Request is not null)
        {
            Requests.Add(preview.Request with { Path = path, Index = index });
        }

        ((JsonObject)scope["steps"]!)[step.Id] = preview.Output;
    }

    private async Task IfAsync(CompiledIfBlock block, JsonObject scope, string path, int? index, CancellationToken ct)
    {
        var (holds, trace) = Evaluate(block.If, scope, path + ".if");
        var branch = holds switch
        {
            true => FlowKinds.BranchThen,
            false when block.Else.Count > 0 => FlowKinds.BranchElse,
            _ => FlowKinds.BranchNone,
        };
        Flow.Add(new DryRunStep(path, block.Id, block.Kind, holds is null ? DryRunStep.Error : DryRunStep.Evaluated)
        {
            Index = index, Branch = branch, Conditions = trace, ReadsDryRunOutput = ReadsPlaceholder(block.ReadFields, scope),
        });
        ((JsonObject)scope["steps"]!)[block.Id] = new JsonObject { ["branch"] = branch, ["dryRun"] = true };
        if (branch != FlowKinds.BranchNone)
        {
            await WalkAsync(holds == true ? block.Then : block.Else, scope, $"{path}.{branch}", index, ct);
        }
    }

    private async Task LoopAsync(CompiledForEach loop, JsonObject scope, string path, int? index, CancellationToken ct)
    {
        var placeholder = DryRunPlaceholders.Reads(loop.Items.Text, scope);
        var list = placeholder ? new JsonArray(DryRunPlaceholders.Item()) : loop.Items.Resolve(scope);
        if (list is not JsonArray items)
        {
            var category = list is null ? ErrorCategories.ItemsMissing : ErrorCategories.ItemsNotList;
            Errors.Add(new DryRunError(path + ".items", category, list is null ? $"'{loop.Items.Text}' resolves to nothing in the sample" : $"'{loop.Items.Text}' is not a list in the sample"));
            Flow.Add(new DryRunStep(path, loop.Id, loop.Kind, DryRunStep.Error) { Index = index });
            return;
        }

        var count = Math.Min(Math.Min(items.Count, loop.Limit), FlowLimits.DryRunIterations);
        Flow.Add(new DryRunStep(path, loop.Id, loop.Kind, DryRunStep.Evaluated)
        {
            Index = index, Items = placeholder ? null : items.Count, Iterations = count, Cut = placeholder ? null : Math.Max(0, items.Count - loop.Limit),
            ReadsDryRunOutput = placeholder ? true : null,
        });
        var steps = (JsonObject)scope["steps"]!;
        scope.TryGetPropertyValue("item", out var savedItem);
        scope.TryGetPropertyValue("index", out var savedIndex);
        scope.Remove("item");
        scope.Remove("index");
        for (var i = 0; i < count; i++)
        {
            scope["item"] = items[i]?.DeepClone();
            scope["index"] = i;
            await WalkAsync(loop.Steps, scope, path + ".steps", i, ct);
        }

        foreach (var id in StepTree.Ids(loop.Steps))
        {
            steps.Remove(id);
        }

        scope.Remove("item");
        scope.Remove("index");
        if (savedItem is not null)
        {
            scope["item"] = savedItem;
        }

        if (savedIndex is not null)
        {
            scope["index"] = savedIndex;
        }

        steps[loop.Id] = new JsonObject { ["items"] = placeholder ? null : items.Count, ["count"] = count, ["dryRun"] = true };
    }

    private (bool? Holds, List<ConditionOutcome> Trace) Evaluate(ICondition condition, JsonObject scope, string path)
    {
        var trace = new List<ConditionOutcome>();
        try
        {
            return (condition.Evaluate(scope, trace), trace);
        }
        catch (ConditionEvaluationException ex)
        {
            Errors.Add(new DryRunError(path, ex.Category, ex.Message));
            return (null, trace);
        }
    }

    private static bool? ReadsPlaceholder(IReadOnlyList<string> fields, JsonObject scope)
        => fields.Any(f => DryRunPlaceholders.Reads(f, scope)) ? true : null;
}
