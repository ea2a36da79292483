using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>The <c>transfer</c> step (<see cref="TransferStepDefinition"/>): a source's response body streamed into a destination's request; run by <see cref="TransferStepExecutor"/>.</summary>
public sealed class TransferStepKind : StepKind<TransferStepDefinition>
{
    public static readonly TransferStepKind Instance = new();

    /// <summary>The request fields of an <c>http</c> step: in a transfer they belong to one of its two sides.</summary>
    private static readonly IReadOnlySet<string> SideFields = new HashSet<string>(StringComparer.Ordinal) { "connection", "method", "path", "url", "headers", "query" };

    private TransferStepKind()
    {
    }

    public override string Name => CompiledTransferStep.KindName;

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
        => services.AddTransferStep(configuration);

    protected override ICompiledStep? Compile(TransferStepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => TransferStepCompiler.Compile(step, path, context, errors);

    protected override string? ForeignFieldMessage(string field) => field switch
    {
        "body" => "a transfer step sends the source's body; it has no body of its own",
        _ when SideFields.Contains(field) => "belongs in 'source' or 'destination' in a transfer step",
        _ => null,
    };
}
