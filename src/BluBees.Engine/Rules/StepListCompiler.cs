using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Conditions;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Rules;

/// <summary>
/// Validates and compiles a rule's step list, control flow included: per-step <c>if</c>, <c>if</c>/<c>else</c>
/// blocks and <c>forEach</c>. Step ids are unique across the whole rule, nested ones included (a later step reads
/// <c>steps.&lt;id&gt;</c> without knowing where the step sits); nesting depth and the total number of steps are
/// bounded (<see cref="FlowLimits"/>). Every error names its path, e.g. <c>steps[2].steps[0].if.field</c>.
/// </summary>
internal sealed class StepListCompiler
{
    /// <summary>Each flow block's own fields (from its record), to the block's type: on another step they are named as the block's.</summary>
    private static readonly Dictionary<string, string> BlockFields = FlowKinds.Definitions
        .SelectMany(d => StepKinds.FieldsOf(d.Value).Select(f => KeyValuePair.Create(f, d.Key)))
        .ToDictionary(StringComparer.Ordinal);

    private readonly StepCompileContext _context;
    private readonly StepKindSet _kinds;
    private readonly ValidationErrors _errors;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private int _total;

    private StepListCompiler(StepCompileContext context, StepKindSet kinds, ValidationErrors errors)
    {
        _context = context;
        _kinds = kinds;
        _errors = errors;
    }

    /// <summary>Compiles a rule's steps; <paramref name="kinds"/> defaults to <see cref="StepKinds.Default"/> (a test may add a kind).</summary>
    public static List<ICompiledStep> Compile(
        IReadOnlyList<StepDefinition>? steps, IReadOnlyDictionary<string, Connection>? connections,
        EgressOptions egress, TemplateLimits limits, ValidationErrors errors, StepKindSet? kinds = null)
    {
        if (steps is null || steps.Count == 0)
        {
            errors.Add("steps", "a rule needs at least one step");
            return [];
        }

        if (steps.Count > RuleLimits.MaxSteps)
        {
            errors.Add("steps", $"a rule may have at most {RuleLimits.MaxSteps} steps, this one has {steps.Count}");
            return [];
        }

        return new StepListCompiler(new StepCompileContext(connections, egress, limits), kinds ?? StepKinds.Default, errors).CompileList(steps, "steps", 0, false);
    }

    private List<ICompiledStep> CompileList(IReadOnlyList<StepDefinition> steps, string listPath, int depth, bool inLoop)
    {
        var compiled = new List<ICompiledStep>(steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var path = $"{listPath}[{i}]";
            if (steps[i] is not { } step)
            {
                _errors.Add(path, "must be a step object");
                continue;
            }

            if (++_total == FlowLimits.MaxTotalSteps + 1)
            {
                _errors.Add(path, $"a rule may have at most {FlowLimits.MaxTotalSteps} steps in all, nested ones included");
            }

            if (CompileStep(step, path, depth, inLoop) is { } compiledStep)
            {
                compiled.Add(compiledStep);
            }
        }

        return compiled;
    }

    private ICompiledStep? CompileStep(StepDefinition step, string path, int depth, bool inLoop)
    {
        if (step.Id is not { Length: > 0 and <= 40 } stepId || !stepId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || char.IsAsciiDigit(stepId[0]))
        {
            _errors.Add(path + ".id", (string.IsNullOrWhiteSpace(step.Id) ? "is required" : "must be") + ": letters, digits and '_', not starting with a digit, at most 40 characters");
        }
        else if (!_ids.Add(stepId))
        {
            _errors.Add(path + ".id", $"'{stepId}' is used by an earlier step");
        }

        return step switch
        {
            IfStepDefinition block => CompileIf(block, path, depth, inLoop),
            ForEachStepDefinition loop => Guard(step, path, CompileForEach(loop, path, depth, inLoop)),
            _ => Guard(step, path, CompileLeaf(step, path)),
        };
    }

    private ICompiledStep? CompileLeaf(StepDefinition step, string path)
    {
        if (!_kinds.TryGet(step.Type, out var kind))
        {
            _errors.Add(path + ".type", step.Type is null ? $"is required: one of {_kinds.TypeList}" : $"'{step.Type}' is not a step type: use one of {_kinds.TypeList}");
            return null;
        }

        foreach (var field in step.ForeignFields.Keys)
        {
            if (BlockFields.TryGetValue(field, out var block))
            {
                _errors.Add($"{path}.{field}", $"belongs to a step of type '{block}'");
            }
        }

        var compiled = kind.Compile(step, path, _context, _errors);
        if (_context.IsSave)
        {
            // The kind owns its fields (its record): anything else is refused on save (a stored rule keeps running as it
            // did). A kind's own, more precise message for a field (e.g. "belongs in 'source' or 'destination'") wins.
            foreach (var field in step.ForeignFields.Keys.Where(f => !BlockFields.ContainsKey(f)))
            {
                if (!_errors.Has($"{path}.{field}"))
                {
                    _errors.Add($"{path}.{field}", $"is not used by a step of type '{kind.Name}'");
                }
            }
        }

        return compiled;
    }

    private CompiledIfBlock? CompileIf(IfStepDefinition step, string path, int depth, bool inLoop)
    {
        var before = _errors.Count;
        RejectOthers(step, path, FlowKinds.If);
        CheckDepth(path, depth);
        var onError = OnError(step, path);
        ICondition? condition = null;
        if (step.If is null)
        {
            _errors.Add(path + ".if", "is required: the condition that picks 'then' or 'else'");
        }
        else
        {
            condition = ConditionCompiler.Compile(step.If, path + ".if", _errors);
        }

        if (step.Then is not { Count: > 0 })
        {
            _errors.Add(path + ".then", "needs at least one step");
        }

        var then = Nested(step.Then, path + ".then", depth, inLoop);
        var otherwise = Nested(step.Else, path + ".else", depth, inLoop);
        return _errors.Count == before && condition is not null
            ? new CompiledIfBlock(step.Id!, condition, StepFields.ReadByCondition(step.If), then, otherwise, onError)
            : null;
    }

    private CompiledForEach? CompileForEach(ForEachStepDefinition step, string path, int depth, bool inLoop)
    {
        var before = _errors.Count;
        RejectOthers(step, path, FlowKinds.ForEach);
        CheckDepth(path, depth);
        var onError = OnError(step, path);
        ScopePath? items = null;
        if (string.IsNullOrWhiteSpace(step.Items))
        {
            _errors.Add(path + ".items", "is required: the scope path of a list, e.g. steps.search.issues or issue.fields.subtasks");
        }
        else if (step.Items.Contains("{{", StringComparison.Ordinal) || step.Items.Contains("{%", StringComparison.Ordinal))
        {
            _errors.Add(path + ".items", "is a scope path, not a template: write steps.search.issues, not {{ steps.search.issues }}");
        }
        else if ((items = ScopePath.Parse(step.Items.Trim(), out var pathError)) is null)
        {
            _errors.Add(path + ".items", pathError!);
        }

        var limit = step.Limit ?? FlowLimits.DefaultLimit;
        if (limit is < 1 or > FlowLimits.MaxLimit)
        {
            _errors.Add(path + ".limit", $"must be between 1 and {FlowLimits.MaxLimit:N0}");
        }

        var parallelism = step.Parallelism ?? FlowLimits.DefaultParallelism;
        if (parallelism is < 1 or > FlowLimits.MaxParallelism)
        {
            _errors.Add(path + ".parallelism", $"must be between 1 and {FlowLimits.MaxParallelism}");
        }
        else if (inLoop && parallelism > 1)
        {
            _errors.Add(path + ".parallelism", "must be 1 in a loop inside another loop: only the outermost loop runs iterations in parallel");
        }

        if (step.Steps is not { Count: > 0 })
        {
            _errors.Add(path + ".steps", "needs at least one step");
        }

        var nested = Nested(step.Steps, path + ".steps", depth, true);
        return _errors.Count == before && items is not null
            ? new CompiledForEach(step.Id!, items, limit, parallelism, nested, onError)
            : null;
    }

    /// <summary>A step's own <c>if</c> (an <c>if</c> block's is its branch condition instead).</summary>
    private ICompiledStep? Guard(StepDefinition step, string path, ICompiledStep? compiled)
    {
        if (step.If is null)
        {
            return compiled;
        }

        var condition = ConditionCompiler.Compile(step.If, path + ".if", _errors);
        return compiled is null || condition is null ? null : new GuardedStep(compiled, condition, StepFields.ReadByCondition(step.If));
    }

    private List<ICompiledStep> Nested(IReadOnlyList<StepDefinition>? steps, string path, int depth, bool inLoop)
    {
        if (steps is null)
        {
            return [];
        }

        if (steps.Count > RuleLimits.MaxSteps)
        {
            _errors.Add(path, $"a block may hold at most {RuleLimits.MaxSteps} steps, this one has {steps.Count}");
            return [];
        }

        return depth + 1 > FlowLimits.MaxDepth ? [] : CompileList(steps, path, depth + 1, inLoop);
    }

    private void CheckDepth(string path, int depth)
    {
        if (depth >= FlowLimits.MaxDepth)
        {
            _errors.Add(path + ".type", $"blocks ('if', 'forEach') nest at most {FlowLimits.MaxDepth} deep");
        }
    }

    private bool OnError(StepDefinition step, string path)
    {
        if (step.OnError is not (null or "stop" or "continue"))
        {
            _errors.Add(path + ".onError", "must be 'stop' or 'continue'");
        }

        return step.OnError == "continue";
    }

    /// <summary>A block compiles no other kind's fields, at run time too (as it always has).</summary>
    private void RejectOthers(StepDefinition step, string path, string kind)
    {
        foreach (var field in step.ForeignFields.Keys)
        {
            _errors.Add($"{path}.{field}", $"is not used by a step of type '{kind}'");
        }
    }
}
