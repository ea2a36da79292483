using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// Part of every Forge-authenticated policy: the token must be minted for the route's own manifest module
/// (<c>app.module.key</c>), backend routes (<c>/forge/*</c>) refuse tokens that name a user, and UI routes
/// (<c>/api/*</c>) need one. The caller of <c>invokeRemote</c> chooses the path, so a signature alone proves nothing
/// about which route Forge meant to call. A route that declares no module is refused (fail closed).
/// </summary>
internal sealed class ForgeCallerRequirement : IAuthorizationRequirement;

internal sealed partial class ForgeCallerHandler(IOptions<ForgeModuleOptions> modules, ILogger<ForgeCallerHandler> logger)
    : AuthorizationHandler<ForgeCallerRequirement>
{
    /// <summary>Where the refusal reason is left for the 403 answer.</summary>
    public const string DenialKey = "blubees.auth.denial";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ForgeCallerRequirement requirement)
    {
        var http = context.Resource as HttpContext;
        var endpoint = http?.GetEndpoint();
        if (http is not null && endpoint is not RouteEndpoint)
        {
            // No route matched (404) or only its method did not (the framework's 405 endpoint): none of our code runs.
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var route = endpoint?.Metadata.GetMetadata<ForgeModuleMetadata>()?.Route;
        var module = context.User.FindFirst(ForgeAuthenticationHandler.ModuleClaim)?.Value;
        var principal = context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        // The issue panel's token opens only the routes the panel calls (those open beyond administrators: an issue's
        // runs and manual rules, a manual run, /api/me), never the admin page's configuration routes.
        var panelRoute = endpoint?.Metadata.GetMetadata<BluBees.Api.Permissions.ApiAccess>() is not null;
        var denial = Check(route, module, principal, panelRoute);
        if (denial is null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        if (http is not null)
        {
            http.Items[DenialKey] = denial;
        }

        LogRefused(logger, route?.ToString() ?? "none", denial.Value);
        context.Fail(new AuthorizationFailureReason(this, denial.Value.ToString()));
        return Task.CompletedTask;
    }

    private ForgeCallerDenial? Check(ForgeRoute? route, string? module, string? principal, bool panelRoute)
    {
        if (route is not { } r)
        {
            return ForgeCallerDenial.RouteWithoutModule;
        }

        if (module is null || !modules.Value.Accepts(r, module)
            || (!panelRoute && string.Equals(module, modules.Value.IssuePanel, StringComparison.Ordinal)))
        {
            return ForgeCallerDenial.WrongModule;
        }

        return r == ForgeRoute.Ui
            ? string.IsNullOrEmpty(principal) ? ForgeCallerDenial.NoUser : null
            : principal is null ? null : ForgeCallerDenial.UserOnBackendRoute;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forge token refused on a {Route} route: {Denial}")]
    private static partial void LogRefused(ILogger logger, string route, ForgeCallerDenial denial);
}

/// <summary>Why a verified token may not call a route.</summary>
internal enum ForgeCallerDenial
{
    WrongModule,
    UserOnBackendRoute,
    NoUser,
    RouteWithoutModule,
}
