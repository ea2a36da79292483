using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>Support staff access: a separate bearer scheme (company IdP), tenant grants and audit.</summary>
internal static class SupportSetup
{
    /// <summary>The policy of <c>/support/*</c>: the Support scheme only, the support role and MFA.</summary>
    public const string PolicyName = "SupportStaff";

    public static IServiceCollection AddSupportAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SupportOptions>().Bind(configuration.GetSection(SupportOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SupportOptions>, SupportOptionsValidator>());
        services.TryAddSingleton(sp => new SupportGrantStore(sp.GetRequiredService<IStore>(), sp.GetRequiredService<TimeProvider>(), Retention(sp)));
        services.TryAddSingleton(sp => new SupportAuditStore(sp.GetRequiredService<IStore>(), sp.GetRequiredService<TimeProvider>(), Retention(sp)));
        services.TryAddSingleton<SupportAudit>();

        // Registered even when disabled: nothing invokes the scheme unless MapSupport maps its routes.
        services.TryAddSingleton<SupportJwks>();
        services.TryAddSingleton<SupportTokenValidator>();
        services.AddSingleton<IAuthorizationHandler, SupportStaffAuthorizationHandler>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, SupportAuthenticationHandler>(SupportAuthenticationHandler.SchemeName, null);

        // A named policy: the endpoints name exactly this policy, so the default (Forge) policy is never merged in.
        services.AddAuthorizationBuilder().AddPolicy(PolicyName, new AuthorizationPolicyBuilder(SupportAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .AddRequirements(new SupportStaffRequirement())
            .Build());
        return services;
    }

    /// <summary>Tenant-admin routes under /api/support (grants, audit).</summary>
    public static RouteGroupBuilder MapSupportGrants(this RouteGroupBuilder api) => api.MapSupportAdmin();

    /// <summary>Support-staff routes under /support (their own auth scheme); not mapped unless Support:Enabled.</summary>
    public static IEndpointRouteBuilder MapSupport(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<SupportOptions>>().Value.Enabled)
        {
            return app;
        }

        app.MapGroup("/support")
            .RequireAuthorization(PolicyName)
            .AddEndpointFilterFactory(SupportAccessFilter.Create)
            .MapSupportRuns();
        return app;
    }

    private static TimeSpan Retention(IServiceProvider sp) => TimeSpan.FromDays(sp.GetRequiredService<IOptions<SupportOptions>>().Value.AuditRetentionDays);
}
