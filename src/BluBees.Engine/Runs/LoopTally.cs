using System.Text.Json.Nodes;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>
/// The shared state of one running <c>forEach</c>: hands out indexes to its workers and gathers their results into
/// a bounded <see cref="LoopRecord"/>. Thread-safe (one lock; iterations are few and long next to it).
/// </summary>
internal sealed class LoopTally(CompiledForEach loop, int items, int count, StepSequence sequence)
{
    private readonly Lock _lock = new();
    private readonly List<IterationRecord> _kept = [];
    private readonly Dictionary<string, int> _categories = new(StringComparer.Ordinal);
    private int _next;
    private int _succeeded;
    private int _partial;
    private int _failed;
    private int _omitted;
    private string? _firstError;
    private bool _stopped;
    private bool _stops;
    private bool _cancelled;

    /// <summary>The next index to run, or null when the list is done, an iteration stopped the loop, or the run is cancelled.</summary>
    public int? Next(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_stopped || _next >= count || ct.IsCancellationRequested)
            {
                _cancelled |= ct.IsCancellationRequested;
                return null;
            }

            return _next++;
        }
    }

    public void Add(int index, SequenceResult result, long durationMs)
    {
        var status = result.Status;
        var keep = sequence.KeepIteration(index, result);
        lock (_lock)
        {
            _ = status switch
            {
                RunStatus.Succeeded => ++_succeeded,
                RunStatus.Partial => ++_partial,
                _ => ++_failed,
            };
            if (result.ErrorCategory is { } category)
            {
                _firstError ??= category;
                _categories[category] = _categories.GetValueOrDefault(category) + 1;
            }

            _cancelled |= result.Cancelled;
            if (result.Stopped || result.Cancelled)
            {
                // A stop inside an iteration stops the loop (and the run), unless the loop says onError: continue.
                _stops = true;
                _stopped |= !loop.ContinueOnError || result.Cancelled;
            }

            if (keep)
            {
                _kept.Add(new IterationRecord(index, status, durationMs, result.ErrorCategory, result.Records));
            }
            else
            {
                _omitted++;
            }
        }
    }

    public (StepRecord Record, bool Stops) Finish(long durationMs)
    {
        lock (_lock)
        {
            var ran = _succeeded + _partial + _failed;
            var category = _cancelled ? ErrorCategories.Cancelled : _firstError;
            var status = category is null ? RunStatus.Succeeded : RunStatus.Failed;
            var record = new StepRecord(loop.Id, loop.Kind, null, null, null, null, 0, 0, 0, durationMs, status, category)
            {
                Loop = new LoopRecord
                {
                    Items = items,
                    Limit = loop.Limit,
                    Cut = items - count,
                    Parallelism = loop.Parallelism,
                    Succeeded = _succeeded,
                    Partial = _partial,
                    Failed = _failed,
                    NotRun = count - ran,
                    ErrorCategories = _categories.Count == 0 ? null : new Dictionary<string, int>(_categories, StringComparer.Ordinal),
                    Iterations = [.. _kept.OrderBy(i => i.Index)],
                    Omitted = _omitted,
                },
            };
            return (record, _stops || _cancelled);
        }
    }

    /// <summary>What later steps read as <c>steps.&lt;loop id&gt;</c>: counts only.</summary>
    public JsonObject Output()
    {
        lock (_lock)
        {
            return new JsonObject
            {
                ["items"] = items,
                ["count"] = _succeeded + _partial + _failed,
                ["succeeded"] = _succeeded,
                ["partial"] = _partial,
                ["failed"] = _failed,
                ["skipped"] = count - (_succeeded + _partial + _failed),
                ["cut"] = items - count,
            };
        }
    }
}
