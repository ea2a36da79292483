using BluBees.Engine.Execution;
using BluBees.Engine.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Engine.Steps.Ai;

/// <summary>The <c>ai.chat</c> step (<see cref="AiChatStepDefinition"/>): a chat completion through an AI provider connection; run by <see cref="AiStepExecutor"/>.</summary>
public sealed class AiStepKind : StepKind<AiChatStepDefinition>
{
    public static readonly AiStepKind Instance = new();

    /// <summary>The request fields of an <c>http</c> step, which a chat step does not take (the provider's client makes the request).</summary>
    private static readonly IReadOnlySet<string> HttpFields = new HashSet<string>(StringComparer.Ordinal) { "method", "path", "url", "headers", "query", "body" };

    private AiStepKind()
    {
    }

    public override string Name => CompiledAiStep.KindName;

    public override void AddServices(IServiceCollection services, IConfiguration configuration)
        => services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, AiStepExecutor>());

    protected override ICompiledStep? Compile(AiChatStepDefinition step, string path, StepCompileContext context, ValidationErrors errors)
        => AiStepCompiler.Compile(step, path, context, errors);

    protected override string? ForeignFieldMessage(string field)
        => HttpFields.Contains(field) ? "does not apply to an ai.chat step" : null;
}
