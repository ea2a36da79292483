using System.Text.Json.Nodes;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Queue;

/// <summary>An http step executor that throws, standing in for a bug in a step kind.</summary>
internal sealed class ThrowingStepExecutor(IStepExecutor inner) : IStepExecutor
{
    public string Kind => inner.Kind;

    public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
        => throw new InvalidOperationException("a step kind failed unexpectedly");

    public Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
        => inner.PreviewAsync(tenantId, step, scope, path, ct);

    /// <summary>Keeps every registered executor, with the http one wrapped so that it throws.</summary>
    public static void ReplaceHttp(IServiceCollection services)
    {
        var originals = services.Where(d => d.ServiceType == typeof(IStepExecutor)).ToList();
        foreach (var descriptor in originals)
        {
            services.Remove(descriptor);
        }

        services.AddSingleton<IEnumerable<IStepExecutor>>(sp => [.. originals.Select(d => Create(d, sp)).Select(e => e.Kind == "http" ? new ThrowingStepExecutor(e) : e)]);
    }

    private static IStepExecutor Create(ServiceDescriptor d, IServiceProvider sp) => (IStepExecutor)(
        d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));
}
