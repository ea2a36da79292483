using BluBees.Api.Dev;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Crypto;
using BluBees.Engine.DevTokens;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BluBees.Api.Auth;

internal static class ForgeAuthenticationSetup
{
    /// <summary>
    /// Every endpoint requires a verified Forge token minted for the endpoint's own manifest module unless it opts out
    /// explicitly (health, dev); a route added later without a module is refused by default.
    /// </summary>
    public static IServiceCollection AddForgeAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<ForgeOptions>().Bind(configuration.GetSection(ForgeOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForgeOptions>, ForgeOptionsValidator>());
        services.AddOptions<DevOptions>().Bind(configuration.GetSection(DevOptions.Section))
            .Configure<IOptions<StorageOptions>, IOptions<KeyOptions>>((dev, storage, keys) => dev.AwsProvider = AwsProviderSetting.Of(storage.Value, keys.Value))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DevOptions>, DevOptionsValidator>());
        services.AddHttpClient(JwksCache.HttpClientName, c =>
            {
                c.Timeout = TimeSpan.FromSeconds(5);
                c.MaxResponseContentBufferSize = JwksCache.MaxDocumentBytes; // larger is a failed fetch, not memory
            })
            .ConfigurePrimaryHttpMessageHandler(AtlassianHttpHandler.Create);
        services.AddSingleton<JwksCache>();
        services.AddSingleton(sp => DevTokenIssuer.LoadOrCreate(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory));
        services.AddSingleton<IJwksSource>(sp => sp.GetRequiredService<IOptions<DevOptions>>().Value.Enabled
            ? new DevJwksSource(sp.GetRequiredService<DevTokenIssuer>())
            : sp.GetRequiredService<JwksCache>());
        services.AddOptions<ForgeModuleOptions>().Bind(configuration.GetSection(ForgeModuleOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForgeModuleOptions>, ForgeModuleOptionsValidator>());
        services.AddSingleton<ForgeTokenValidator>();
        services.AddSingleton<IAuthorizationHandler, ForgeCallerHandler>();
        services.AddAuthentication(ForgeAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ForgeAuthenticationHandler>(ForgeAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(ForgeCallerPolicy())
            .SetFallbackPolicy(ForgeCallerPolicy());
        _ = environment;
        return services;
    }

    /// <summary>A verified token, minted for the route's own module (see <see cref="ForgeCallerRequirement"/>).</summary>
    private static AuthorizationPolicy ForgeCallerPolicy() => new AuthorizationPolicyBuilder(ForgeAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser()
        .AddRequirements(new ForgeCallerRequirement())
        .Build();
}
