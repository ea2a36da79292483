using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps;

/// <summary>
/// One kind of step (its <c>type</c> in a rule): the definition fields it owns, its compiler, and the registration of
/// its <see cref="IStepExecutor"/> (execution and dry-run preview, same <see cref="Name"/>), which needs services and so
/// is resolved from DI; <see cref="StepKinds.Executors"/> pairs the two. Every kind is listed once, in
/// <see cref="StepKinds.All"/>, and the engine registers executors only by asking each listed kind
/// (<see cref="StepKindsServiceCollectionExtensions.AddStepKinds(IServiceCollection, IConfiguration)"/>): adding a kind is its folder plus that entry.
/// </summary>
public interface IStepKind
{
    /// <summary>The step's <c>type</c>, e.g. <c>http</c> or <c>jira.comment</c>.</summary>
    string Name { get; }

    /// <summary>
    /// The JSON names of the <see cref="StepDefinition"/> fields this kind reads, beyond the ones every step has
    /// (<see cref="StepKinds.CommonFields"/>). Any other field is refused when a rule is saved or validated.
    /// </summary>
    IReadOnlySet<string> Fields { get; }

    /// <summary>Validates and compiles one step; adds every problem to <paramref name="errors"/> under <paramref name="path"/> and returns null then.</summary>
    ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors);

    /// <summary>
    /// Registers this kind's one <see cref="IStepExecutor"/> and the services only it needs (its options, its clients).
    /// Called once per composition; services shared with other kinds are added with TryAdd so that each kind may add
    /// them. Services the engine itself needs (the store, connections, the Jira site) are there already.
    /// </summary>
    void AddServices(IServiceCollection services, IConfiguration configuration);
}
