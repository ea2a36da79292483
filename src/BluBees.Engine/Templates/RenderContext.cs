using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// State of one render: the read-only caller scope, the render-local variables layered over it, and the
/// budgets of <see cref="TemplateLimits"/> and (when the render belongs to a run) the run's <see cref="RunBudget"/>.
/// Never shared between renders, so compiled templates stay immutable.
/// </summary>
internal sealed class RenderContext(JsonObject globals, TemplateLimits limits, RunBudget? budget = null)
{
    /// <summary>Units charged to the run's budget in batches, so the clock is not read on every step.</summary>
    private const int FlushEvery = 64;

    private readonly long _since = budget?.Begin() ?? 0;
    private readonly Dictionary<string, object?> _locals = new(StringComparer.Ordinal);
    private readonly List<LoopFrame> _loops = [];
    private long _steps;
    private long _iterations;
    private long _allocated;
    private int _depth;
    private long _pendingChars;
    private long _unflushed;

    public TemplateLimits Limits { get; } = limits;

    /// <summary>The run's budget (null outside a run); its <see cref="RunBudget.StartedAt"/> is <c>{{now}}</c>.</summary>
    public RunBudget? Budget => budget;

    /// <summary>The run's field display names (null when none were loaded): <c>issue.Story Points</c>.</summary>
    public JiraFieldNames? FieldNames { get; } = JiraFieldNames.Current;

    public int MaxChars => Math.Max(0, Limits.MaxOutputChars);

    /// <summary>Work units charged so far (steps plus scanned characters in <see cref="TemplateLimits.ScanCharsPerStep"/> units).</summary>
    public long Steps => _steps;

    public void Step() => Charge(1);

    /// <summary>
    /// Charges a string operation by the characters it scans or produces: one step per
    /// <see cref="TemplateLimits.ScanCharsPerStep"/> characters (remainders add up across operations).
    /// </summary>
    public void Scan(long chars)
    {
        if (chars <= 0)
        {
            return;
        }

        _pendingChars += chars;
        if (_pendingChars >= TemplateLimits.ScanCharsPerStep)
        {
            var units = _pendingChars / TemplateLimits.ScanCharsPerStep;
            _pendingChars %= TemplateLimits.ScanCharsPerStep;
            Charge(units);
        }
    }

    /// <summary>Charges the length of a string value (other values cost nothing here: collections pay per element).</summary>
    public void ScanValue(object? value)
    {
        if (value is string s)
        {
            Scan(s.Length);
        }
    }

    private void Charge(long units)
    {
        // Counted for the run before the render's own limit is checked: the run pays for the work that was done.
        _steps += units;
        _unflushed += units;
        if (_steps > Limits.MaxSteps)
        {
            throw TemplateFailure.Limit($"template exceeds {Limits.MaxSteps} evaluation steps");
        }

        if (budget is not null && _unflushed >= FlushEvery)
        {
            Flush();
        }
    }

    /// <summary>Passes the units not yet charged to the run's budget; fails the render when the run's budget is used up.</summary>
    public void Flush()
    {
        if (budget is null)
        {
            return;
        }

        var units = _unflushed;
        _unflushed = 0;
        if (!budget.TryCharge(units, _since))
        {
            throw TemplateFailure.Limit(budget.Describe());
        }
    }

    /// <summary>Ends the render's metered section: charges what is left and adds the render's time to the run.</summary>
    public void Finish()
    {
        if (budget is null)
        {
            return;
        }

        budget.Add(_unflushed); // a refusal here would blame the budget for whatever fails next in the step
        _unflushed = 0;
        budget.End(_since);
    }

    public void Iterate()
    {
        Step();
        if (++_iterations > Limits.MaxLoopIterations)
        {
            throw TemplateFailure.Limit($"loops exceed {Limits.MaxLoopIterations} iterations");
        }
    }

    /// <summary>Checks a string about to be built: the per-value cap and the per-render allocation budget.</summary>
    public void Reserve(long chars)
    {
        if (chars > MaxChars)
        {
            throw TemplateFailure.Limit($"a string value exceeds {MaxChars} characters");
        }

        _allocated += chars;
        if (_allocated > Limits.MaxAllocatedChars)
        {
            throw TemplateFailure.Limit($"string operations exceed {Limits.MaxAllocatedChars} characters in total");
        }
    }

    /// <summary>Accounts for a string a filter has just built (bounded by its inputs) and returns it.</summary>
    public string Checked(string value)
    {
        Reserve(value.Length);
        Scan(value.Length);
        return value;
    }

    public void Enter()
    {
        // +1: the template's own top-level block is a level too.
        if (++_depth > Limits.EffectiveNestingDepth + 1 || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw TemplateFailure.Limit($"nesting exceeds {Limits.EffectiveNestingDepth} levels");
        }
    }

    public void Exit() => _depth--;

    public void Assign(string name, object? value) => _locals[name] = value;

    /// <summary>Loop variables, then assigned variables, then the caller's scope; a raw lookup keeps scope leaves as nodes.</summary>
    public object? Lookup(string name, bool raw = false)
    {
        for (var i = _loops.Count - 1; i >= 0; i--)
        {
            if (_loops[i].Variable == name)
            {
                return _loops[i].Item;
            }

            if (name == "forloop")
            {
                return _loops[i].State;
            }
        }

        if (_locals.TryGetValue(name, out var local))
        {
            return local;
        }

        if (!globals.TryGetPropertyValue(name, out var node))
        {
            return SmartRoots.TryResolve(name, globals, this, raw, out var smart) ? smart : null;
        }

        return raw ? node : Values.FromNode(node, this);
    }

    public ForLoopState? CurrentLoop => _loops.Count > 0 ? _loops[^1].State : null;

    public LoopFrame PushLoop(string variable, long length)
    {
        var frame = new LoopFrame(variable, new ForLoopState(length, CurrentLoop));
        _loops.Add(frame);
        return frame;
    }

    public void PopLoop() => _loops.RemoveAt(_loops.Count - 1);

    internal sealed class LoopFrame(string variable, ForLoopState state)
    {
        public string Variable { get; } = variable;

        public ForLoopState State { get; } = state;

        public object? Item { get; set; }
    }
}
