namespace BluBees.Api.Infrastructure;

/// <summary>
/// Start-up work the framework registers and the backend never uses (issue 14, docs/benchmarks.md "Cold start").
/// </summary>
internal static class StartupTrim
{
    /// <summary>
    /// The hosted service of ASP.NET Core Data Protection (<c>AddAuthentication</c> registers Data Protection). It
    /// loads, or on a fresh Lambda container generates, an XML key ring at every start, loading the XML stack with
    /// it. Nothing here protects data with it: callers present tokens the backend verifies, there are no cookies or
    /// antiforgery tokens, and credentials have their own envelope encryption. Were a component ever to ask for a
    /// protector, Data Protection would still load its keys then, on first use.
    /// </summary>
    internal const string DataProtectionHostedService = "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService";

    public static IServiceCollection RemoveUnusedStartupWork(this IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHostedService) && services[i].ImplementationType?.FullName == DataProtectionHostedService)
            {
                services.RemoveAt(i);
            }
        }

        return services;
    }
}
