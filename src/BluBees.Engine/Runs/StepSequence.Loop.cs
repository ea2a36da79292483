using System.Text.Json.Nodes;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Execution;
using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>
/// <c>forEach</c>: the nested steps once per element of the list at <c>items</c>, with <c>item</c> (a copy of the
/// element) and <c>index</c> in scope. Each concurrent worker has a scope of its own, so iterations never share a
/// mutable JSON node: the first works in the run's scope and puts back what it changed (as with parallelism 1), each
/// other one in a copy made before any worker starts. A copy costs what the scope holds, charged to the run's
/// <see cref="RunData"/> like an output: only the workers whose copies fit start (at least the first, which needs
/// none), so parallelism never multiplies what a run holds past its budget. After the loop <c>steps.&lt;id&gt;</c> holds
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
        var wanted = Math.Min(loop.Parallelism, count);
        var copies = 0;
        while (copies < wanted - 1 && _data.TryCharge(scopeBytes))
        {
            copies++;
        }

        if (copies < wanted - 1)
        {
            LogFewerWorkers(logger, ruleId, loop.Id, copies + 1, wanted, _data.Max);
        }

        try
        {
            // Every copy is made before the first worker changes the run's scope.
            var scopes = Enumerable.Range(0, copies).Select(_ => run.Scope.DeepClone().AsObject()).ToList();
            await Task.WhenAll([
                WorkAsync(loop, run, list, nestedIds, tally, scopeBytes, ct),
                .. scopes.Select(scope => Task.Run(
                    () => WorkAsync(loop, run with { Scope = scope }, (JsonArray)loop.Items.Resolve(scope)!, nestedIds, tally, scopeBytes, ct), CancellationToken.None)),
            ]);
        }
        finally
        {
            _data.Release(copies * scopeBytes);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loop {StepId} of rule {RuleId} runs {Workers} of {Parallelism} workers: the run's data budget of {MaxRunDataBytes} bytes holds no more copies of its scope")]
    private static partial void LogFewerWorkers(ILogger logger, string ruleId, string stepId, int workers, int parallelism, long maxRunDataBytes);
}
