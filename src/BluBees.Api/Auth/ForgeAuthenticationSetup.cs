using BluBees.Api.Dev;
using BluBees.Engine.DevTokens;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

public static class ForgeAuthenticationSetup
{
    /// <summary>
    /// Every endpoint requires a verified Forge token unless it opts out explicitly (health, dev); a route
    /// added later is protected by default.
    /// </summary>
    public static IServiceCollection AddForgeAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<ForgeOptions>().Bind(configuration.GetSection(ForgeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DevOptions>().Bind(configuration.GetSection(DevOptions.Section)).ValidateOnStart();
        services.AddHttpClient(JwksCache.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(5))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddSingleton<JwksCache>();
        services.AddSingleton(sp => DevTokenIssuer.LoadOrCreate(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory));
        services.AddSingleton<IJwksSource>(sp => sp.GetRequiredService<IOptions<DevOptions>>().Value.Enabled
            ? new DevJwksSource(sp.GetRequiredService<DevTokenIssuer>())
            : sp.GetRequiredService<JwksCache>());
        services.AddSingleton<ForgeTokenValidator>();
        services.AddAuthentication(ForgeAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ForgeAuthenticationHandler>(ForgeAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(ForgeAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build())
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ForgeAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        _ = environment;
        return services;
    }
}
