using System.Text.Json.Nodes;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>
/// <c>forEach</c>: the nested steps once per element of the list at <c>items</c>, with <c>item</c> (a copy of the
/// element) and <c>index</c> in scope. Each concurrent worker has a scope of its own (a copy of the scope at the
/// loop's start, made before any worker starts), so iterations never share a mutable JSON node; with parallelism 1
/// the loop runs in the run's scope and puts back what it changed. After the loop <c>steps.&lt;id&gt;</c> holds
/// counts only, and the nested steps' outputs are gone, so memory stays bounded however many items there were.
/// </summary>
internal sealed partial class StepSequence
{
    private async Task<(StepOutcome Outcome, bool Stops)> RunLoopAsync(CompiledForEach loop, StepRun run, long scopeBytes, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var items = loop.Items.Resolve(run.Scope);
        if (items is not JsonArray list)
        {
            return (Failed(loop, started, items is null ? ErrorCategories.ItemsMissing : ErrorCategories.ItemsNotList), true);
        }

        var count = Math.Min(list.Count, loop.Limit);
        var tally = new LoopTally(loop, list.Count, count, this);
        var nestedIds = StepTree.Ids(loop.Steps).ToList();
        if (loop.Parallelism == 1 || count <= 1)
        {
            await WorkAsync(loop, run, list, nestedIds, tally, scopeBytes, ct);
        }
        else
        {
            var scopes = Enumerable.Range(0, Math.Min(loop.Parallelism, count)).Select(_ => run.Scope.DeepClone().AsObject()).ToList();
            await Task.WhenAll(scopes.Select(scope => Task.Run(
                () => WorkAsync(loop, run with { Scope = scope }, (JsonArray)loop.Items.Resolve(scope)!, nestedIds, tally, scopeBytes, ct), CancellationToken.None)));
        }

        var (record, stops) = tally.Finish((long)time.GetElapsedTime(started).TotalMilliseconds);
        return (new StepOutcome(record, tally.Output()), stops);
    }

    /// <summary>
    /// One worker: takes the next index until the list, the loop's stop or the run's cancellation ends it. The bytes an
    /// iteration's outputs held are given back to the run's budget when they leave the scope.
    /// </summary>
    private async Task WorkAsync(CompiledForEach loop, StepRun run, JsonArray list, List<string> nestedIds, LoopTally tally, long scopeBytes, CancellationToken ct)
    {
        long held = 0;
        var scope = run.Scope;
        var steps = (JsonObject)scope["steps"]!;
        var savedItem = Detach(scope, "item");
        var savedIndex = Detach(scope, "index");
        try
        {
            while (tally.Next(ct) is { } index)
            {
                foreach (var id in nestedIds)
                {
                    steps.Remove(id); // an iteration never sees the previous iteration's outputs
                }

                _data.Release(held);
                held = 0;

                scope["item"] = list[index]?.DeepClone();
                scope["index"] = index;
                var iteration = run with { Iteration = (run.Iteration is null ? "" : run.Iteration + "/") + loop.Id + "#" + index };
                var started = time.GetTimestamp();
                var result = await RunAsync(loop.Steps, iteration, scopeBytes, ct);
                held = result.Held;
                tally.Add(index, result, (long)time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        finally
        {
            foreach (var id in nestedIds)
            {
                steps.Remove(id);
            }

            _data.Release(held);
            Restore(scope, "item", savedItem);
            Restore(scope, "index", savedIndex);
        }
    }

    private static JsonNode? Detach(JsonObject scope, string name)
    {
        if (!scope.TryGetPropertyValue(name, out var node))
        {
            return null;
        }

        scope.Remove(name);
        return node;
    }

    private static void Restore(JsonObject scope, string name, JsonNode? saved)
    {
        scope.Remove(name);
        if (saved is not null)
        {
            scope[name] = saved;
        }
    }

    /// <summary>Nested records in one iteration's result, nested blocks and kept loop iterations included.</summary>
    internal static int CountRecords(IEnumerable<StepRecord> records)
        => records.Sum(r => 1 + CountRecords(r.Steps ?? []) + (r.Loop?.Iterations.Sum(i => CountRecords(i.Steps)) ?? 0));

    internal bool KeepIteration(int index, SequenceResult result)
        => index < FlowLimits.FullIterations && TryKeep(CountRecords(result.Records));
}
