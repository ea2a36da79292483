using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps;

/// <summary>
/// A step kind over its own definition record: the fields come from <typeparamref name="TDefinition"/>'s JSON contract,
/// and <see cref="Compile(StepDefinition, string, StepCompileContext, ValidationErrors)"/> is the one place a
/// <see cref="StepDefinition"/> becomes the kind's type, so that compilers take their own record and never cast.
/// </summary>
public abstract class StepKind<TDefinition> : IStepKind
    where TDefinition : StepDefinition
{
    private IReadOnlySet<string>? _fields;

    public abstract string Name { get; }

    public Type DefinitionType => typeof(TDefinition);

    public IReadOnlySet<string> Fields => _fields ??= StepKinds.FieldsOf(typeof(TDefinition));

    public ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
    {
        if (step is not TDefinition definition)
        {
            // The converter reads a step of this type into TDefinition; anything else is a step built wrongly in code.
            throw new ArgumentException($"a '{Name}' step is a {typeof(TDefinition).Name}, not a {step.GetType().Name}", nameof(step));
        }

        var before = errors.Count;
        foreach (var field in step.ForeignFields.Keys)
        {
            if (ForeignFieldMessage(field) is { } message)
            {
                errors.Add($"{path}.{field}", message);
            }
        }

        var compiled = Compile(definition, path, context, errors);
        return errors.Count > before ? null : compiled;
    }

    public abstract void AddServices(IServiceCollection services, IConfiguration configuration);

    /// <summary>Validates and compiles a step of this kind (see <see cref="IStepKind.Compile"/>).</summary>
    protected abstract ICompiledStep? Compile(TDefinition step, string path, StepCompileContext context, ValidationErrors errors);

    /// <summary>
    /// This kind's own message for a field of another kind that a step carries (e.g. a transfer's "belongs in 'source'
    /// or 'destination'"), reported whenever the step compiles, at run time too, as a check of the kind's own. Null
    /// (the default) leaves the field to the save-time refusal, so that a stored rule keeps running as it did.
    /// </summary>
    protected virtual string? ForeignFieldMessage(string field) => null;
}
