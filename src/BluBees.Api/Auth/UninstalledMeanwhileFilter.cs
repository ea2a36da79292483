using BluBees.Api.Infrastructure;
using BluBees.Engine.Tenancy;

namespace BluBees.Api.Auth;

/// <summary>
/// A request that passed the uninstall check just before its tenant was uninstalled and wrote after the uninstall's
/// delete (a save held up by Jira's permission check, an event being queued) left data behind: a new data key
/// included, so the secrets it wrote were readable again. <see cref="ForgeAuthenticationHandler"/> notes
/// <see cref="UninstalledInstallations.Marks"/> before its check; when the count moved by the end of the request
/// (rare: only while some tenant is uninstalled) and this tenant is now marked, its data is deleted again, before
/// the answer, which becomes the 401 the next request would get. Whatever the handler did (or threw) is then moot.
/// Not on the lifecycle routes (the uninstall itself, and an install, which clears the mark).
/// </summary>
internal sealed class UninstalledMeanwhileFilter : IEndpointFilter
{
    internal const string MarksKey = "blubees.uninstall.marks";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception)
        {
            if (await ErasedAsync(http))
            {
                return Uninstalled();
            }

            throw;
        }

        return await ErasedAsync(http) ? Uninstalled() : result;
    }

    private static async Task<bool> ErasedAsync(HttpContext http)
    {
        if (http.Features.Get<TenantContext>() is not { } tenant || http.Items[MarksKey] is not long before)
        {
            return false;
        }

        var uninstalled = http.RequestServices.GetRequiredService<UninstalledInstallations>();
        if (uninstalled.Marks == before || !await uninstalled.IsMarkedAsync(tenant.Id, CancellationToken.None))
        {
            return false;
        }

        await http.RequestServices.GetRequiredService<TenantService>().EraseAfterUninstallAsync(tenant.Id, CancellationToken.None);
        return true;
    }

    private static IResult Uninstalled() => Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "This installation of the app was uninstalled.");
}
