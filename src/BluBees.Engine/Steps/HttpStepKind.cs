using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Engine.Steps;

/// <summary>The <c>http</c> step: a request to a connection (or an absolute URL); run by <see cref="HttpStepExecutor"/>.</summary>
public sealed class HttpStepKind : IStepKind
{
    public static readonly HttpStepKind Instance = new();

    private HttpStepKind()
    {
    }

    public string Name => CompiledHttpStep.KindName;

    public IReadOnlySet<string> Fields { get; } = StepKinds.FieldSet("connection", "method", "path", "url", "headers", "query", "body", "timeoutSeconds");

    public ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => HttpStepCompiler.Compile(step, path, context.Connections, context.Egress, context.Limits, errors);

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        // Registered as itself too, so that a host or test may resolve or replace the concrete executor.
        services.TryAddSingleton<HttpStepExecutor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, HttpStepExecutor>(sp => sp.GetRequiredService<HttpStepExecutor>()));
    }
}
