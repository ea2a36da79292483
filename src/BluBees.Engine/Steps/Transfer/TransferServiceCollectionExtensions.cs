using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using BluBees.Engine.Execution;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Steps.Transfer;

internal static class TransferServiceCollectionExtensions
{
    /// <summary>The <c>transfer</c> step's executor and its validated <see cref="TransferOptions"/> (section <c>Transfer</c>); called by <see cref="TransferStepKind.AddServices"/>.</summary>
    public static IServiceCollection AddTransferStep(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TransferOptions>().Bind(configuration.GetSection(TransferOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TransferOptions>, TransferOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, TransferStepExecutor>());
        return services;
    }
}
