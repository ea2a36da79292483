using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps;

/// <summary>
/// One kind of step (its <c>type</c> in a rule): its definition record, its compiler, and the registration of its
/// <see cref="IStepExecutor"/> (execution and dry-run preview, same <see cref="Name"/>), which needs services and so is
/// resolved from DI; <see cref="StepKinds.Executors"/> pairs the two. Every kind is listed once, in
/// <see cref="StepKinds.All"/>, and the engine registers executors only by asking each listed kind
/// (<see cref="StepKindsServiceCollectionExtensions.AddStepKinds(IServiceCollection, IConfiguration)"/>): adding a kind
/// is its folder (definition record, <see cref="StepKind{TDefinition}"/>, compiler, executor) plus that entry.
/// Implement it through <see cref="StepKind{TDefinition}"/>, which derives the fields and dispatches to a typed compiler.
/// </summary>
public interface IStepKind
{
    /// <summary>The step's <c>type</c>, e.g. <c>http</c> or <c>jira.comment</c>.</summary>
    string Name { get; }

    /// <summary>The <see cref="StepDefinition"/> record a step of this kind is read into (<see cref="StepDefinitionConverter"/>).</summary>
    Type DefinitionType { get; }

    /// <summary>
    /// The JSON names of the fields this kind reads beyond the ones every step has (<see cref="StepKinds.CommonFields"/>):
    /// <see cref="DefinitionType"/>'s JSON contract, never a hand-kept list. Any other field is refused when a rule is
    /// saved or validated.
    /// </summary>
    IReadOnlySet<string> Fields { get; }

    /// <summary>
    /// Validates and compiles one step (of <see cref="DefinitionType"/>); adds every problem to <paramref name="errors"/>
    /// under <paramref name="path"/> and returns null then.
    /// </summary>
    ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors);

    /// <summary>
    /// Registers this kind's one <see cref="IStepExecutor"/> and the services only it needs (its options, its clients).
    /// Called once per composition; services shared with other kinds are added with TryAdd so that each kind may add
    /// them. Services the engine itself needs (the store, connections, the Jira site) are there already.
    /// </summary>
    void AddServices(IServiceCollection services, IConfiguration configuration);
}
