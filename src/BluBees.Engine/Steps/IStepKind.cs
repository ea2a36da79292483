using BluBees.Engine.Execution;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps;

/// <summary>
/// One kind of step (its <c>type</c> in a rule): the definition fields it owns, and its compiler. Execution and dry-run
/// preview are its <see cref="IStepExecutor"/> (same <see cref="Name"/>), which needs services and so comes from DI;
/// <see cref="StepKinds.Executors"/> pairs the two. Every kind is listed once, in <see cref="StepKinds.All"/>: adding a
/// kind is its folder (definition fields, compiler, executor) plus that entry and the executor's registration.
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
}
