using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>The <c>transfer</c> step: a source's response body streamed into a destination's request; run by <see cref="TransferStepExecutor"/>.</summary>
public sealed class TransferStepKind : IStepKind
{
    public static readonly TransferStepKind Instance = new();

    private TransferStepKind()
    {
    }

    public string Name => CompiledTransferStep.KindName;

    public IReadOnlySet<string> Fields { get; } = StepKinds.FieldSet("source", "destination", "maxBytes", "timeoutSeconds");

    public ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => TransferStepCompiler.Compile(step, path, context, errors);

    public void AddServices(IServiceCollection services, IConfiguration configuration)
        => services.AddTransferStep(configuration);
}
