using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Engine.Steps.Ai;

/// <summary>The <c>ai.chat</c> step: a chat completion through an AI provider connection; run by <see cref="AiStepExecutor"/>.</summary>
public sealed class AiStepKind : IStepKind
{
    public static readonly AiStepKind Instance = new();

    private AiStepKind()
    {
    }

    public string Name => CompiledAiStep.KindName;

    public IReadOnlySet<string> Fields { get; } = StepKinds.FieldSet("connection", "model", "system", "prompt", "temperature", "maxTokens", "schema", "timeoutSeconds");

    public ICompiledStep? Compile(StepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => AiStepCompiler.Compile(step, path, context, errors);

    public void AddServices(IServiceCollection services, IConfiguration configuration)
        => services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, AiStepExecutor>());
}
