using BluBees.Engine.Execution;
using BluBees.Engine.Steps;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Engine.Tests.Steps.NewKind;

/// <summary>A test-only kind, written the way a real kind is: its record, its compiler, nothing else.</summary>
public sealed class EchoStepKind : StepKind<EchoStepDefinition>
{
    public const string KindName = "test.echo";

    public static readonly EchoStepKind Instance = new();

    private EchoStepKind()
    {
    }

    public override string Name => KindName;

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }

    protected override ICompiledStep? Compile(EchoStepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(step.Text))
        {
            errors.Add(path + ".text", "is required");
        }

        if (step.Repeat is < 1 or > 3)
        {
            errors.Add(path + ".repeat", "must be from 1 to 3");
        }

        return new CompiledEcho(step.Id!, step.Text ?? string.Empty, step.Repeat ?? 1);
    }

    internal sealed record CompiledEcho(string Id, string Text, int Repeat) : ICompiledStep
    {
        public string Kind => KindName;

        public string? ConnectionId => null;

        public string? Method => null;

        public bool ContinueOnError => false;
    }
}
