using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// State of one render: the read-only caller scope, the render-local variables layered over it, and the
/// budgets of <see cref="TemplateLimits"/>. Never shared between renders, so compiled templates stay immutable.
/// </summary>
internal sealed class RenderContext(JsonObject globals, TemplateLimits limits)
{
    private readonly Dictionary<string, object?> _locals = new(StringComparer.Ordinal);
    private readonly List<LoopFrame> _loops = [];
    private long _steps;
    private long _iterations;
    private long _allocated;
    private int _depth;

    public TemplateLimits Limits { get; } = limits;

    public int MaxChars => Math.Max(0, Limits.MaxOutputChars);

    public void Step()
    {
        if (++_steps > Limits.MaxSteps)
        {
            throw TemplateFailure.Limit($"template exceeds {Limits.MaxSteps} evaluation steps");
        }
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
            return null;
        }

        return raw ? node : Values.FromNode(node);
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
