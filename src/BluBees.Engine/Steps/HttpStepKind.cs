using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Engine.Steps;

/// <summary>The <c>http</c> step (<see cref="HttpStepDefinition"/>): a request to a connection (or an absolute URL); run by <see cref="HttpStepExecutor"/>.</summary>
public sealed class HttpStepKind : StepKind<HttpStepDefinition>
{
    public static readonly HttpStepKind Instance = new();

    private HttpStepKind()
    {
    }

    public override string Name => CompiledHttpStep.KindName;

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        // Registered as itself too, so that a host or test may resolve or replace the concrete executor.
        services.TryAddSingleton<HttpStepExecutor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, HttpStepExecutor>(sp => sp.GetRequiredService<HttpStepExecutor>()));
    }

    protected override ICompiledStep? Compile(HttpStepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => HttpStepCompiler.Compile(step, path, context.Connections, context.Egress, context.Limits, errors);
}
