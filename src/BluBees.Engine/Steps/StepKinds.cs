using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Json;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Steps;

/// <summary>
/// What step compilers may consult: the tenant's own connections, egress policy and template limits. Connections are
/// null at run time: the rule was checked when it was saved, so save-only checks (the connection exists, no field
/// foreign to the kind) are skipped and a stored rule keeps running as it did.
/// </summary>
public sealed record StepCompileContext(IReadOnlyDictionary<string, Connection>? Connections, EgressOptions Egress, TemplateLimits Limits)
{
    /// <summary>A save, validation or dry run (not a run): the save-only checks apply.</summary>
    public bool IsSave => Connections is not null;
}

/// <summary>
/// The one list of step kinds a rule may use (the flow blocks <c>if</c>/<c>forEach</c> aside, see
/// <c>Flow.FlowKinds</c>). The reading of steps (<see cref="StepDefinitionConverter"/>), the rule compiler, the
/// foreign-field check, the run's and the dry run's executor dispatch all go through it. Compilation is pure, so the
/// registry is static.
/// </summary>
public static class StepKinds
{
    /// <summary>Every kind, once.</summary>
    public static IReadOnlyList<IStepKind> All { get; } =
        [HttpStepKind.Instance, .. Jira.JiraStepKinds.All, Ai.AiStepKind.Instance, Transfer.TransferStepKind.Instance];

    /// <summary>The kinds of <see cref="All"/> with the flow blocks.</summary>
    internal static StepKindSet Default { get; } = new(All);

    /// <summary>The fields every step has (<see cref="StepDefinition"/>'s own), read by the step-list compiler rather than by a kind.</summary>
    public static IReadOnlySet<string> CommonFields { get; } = JsonFields(typeof(UnknownStepDefinition));

    /// <summary>Every kind's name, for error messages and the API's schema.</summary>
    public static IReadOnlyList<string> Names => Default.Names;

    public static bool TryGet(string? name, [NotNullWhen(true)] out IStepKind? kind) => Default.TryGet(name, out kind);

    /// <summary>
    /// The executors by kind, for runs and dry runs. Every executor must serve a registered kind, and each kind has
    /// at most one; a kind without one fails its steps as <c>internal_error</c> (the composition registers them all,
    /// which the tests check).
    /// </summary>
    public static FrozenDictionary<string, IStepExecutor> Executors(IEnumerable<IStepExecutor> executors)
    {
        var byKind = new Dictionary<string, IStepExecutor>(StringComparer.Ordinal);
        foreach (var executor in executors)
        {
            if (!Default.TryGet(executor.Kind, out _))
            {
                throw new InvalidOperationException($"{executor.GetType().Name} executes '{executor.Kind}', which is not a registered step kind (StepKinds.All)");
            }

            if (!byKind.TryAdd(executor.Kind, executor))
            {
                throw new InvalidOperationException($"two executors serve the step kind '{executor.Kind}'");
            }
        }

        return byKind.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// A definition record's own fields: the JSON names of its contract (as the serializer reads and writes them), minus
    /// the <see cref="CommonFields"/>. Derived, so a field added to a record is the kind's without another list to edit.
    /// </summary>
    public static IReadOnlySet<string> FieldsOf(Type definitionType)
        => JsonFields(definitionType).Except(CommonFields).ToFrozenSet(StringComparer.Ordinal);

    private static FrozenSet<string> JsonFields(Type definitionType)
        => JsonDefaults.Options.GetTypeInfo(definitionType).Properties.Select(p => p.Name).ToFrozenSet(StringComparer.Ordinal);
}
