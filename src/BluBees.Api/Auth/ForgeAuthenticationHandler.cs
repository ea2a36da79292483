using System.Security.Claims;
using System.Text.Encodings.Web;
using BluBees.Engine.Tenancy;
using Microsoft.AspNetCore.Authentication;
using BluBees.Api.Infrastructure;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// Authenticates <c>/forge/*</c> and <c>/api/*</c> with the Forge Invocation Token. The tenant is set from the
/// verified token only; nothing in the body, query or other headers can change it.
/// </summary>
internal sealed partial class ForgeAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder, ForgeTokenValidator validator,
    UninstalledInstallations uninstalled)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Forge";

    /// <summary>The claim holding the token's <c>app.module.key</c>.</summary>
    public const string ModuleClaim = "forge.module";
    private const string FailureKey = "blubees.auth.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerHeader.Token(Request.Headers.Authorization) is not { } token)
        {
            Context.Items[FailureKey] = TokenFailure.Missing;
            return AuthenticateResult.NoResult();
        }

        var (tenant, moduleKey, failure) = await validator.ValidateAsync(token, Context.RequestAborted);
        if (tenant is null)
        {
            Context.Items[FailureKey] = failure;
            LogRefused(Logger, failure);
            return AuthenticateResult.Fail("invalid token");
        }

        // An uninstalled installation's token may still be valid for minutes (an event sent before the uninstall, a
        // retry, an open browser tab): it reaches nothing, so nothing of the tenant is created again. The lifecycle
        // routes stay open: a redelivered uninstall is answered as before, and an install under the same id (which
        // Forge does not send, but a reinstall must never be refused for a day) installs and clears the mark.
        // The count of uninstalls is noted first: an uninstall after it is seen at the end (UninstalledMeanwhileFilter).
        Context.Items[UninstalledMeanwhileFilter.MarksKey] = uninstalled.Marks;
        if (Context.GetEndpoint()?.Metadata.GetMetadata<ForgeModuleMetadata>()?.Route is not (ForgeRoute.Uninstall or ForgeRoute.Lifecycle)
            && await uninstalled.IsUninstalledAsync(tenant.Id, Context.RequestAborted))
        {
            Context.Items[FailureKey] = TokenFailure.Uninstalled;
            LogRefused(Logger, TokenFailure.Uninstalled);
            return AuthenticateResult.Fail("uninstalled");
        }

        Context.Features.Set(tenant);
        var identity = new ClaimsIdentity(SchemeName);
        identity.AddClaim(new Claim("tenant", tenant.TenantId));
        if (moduleKey is not null)
        {
            identity.AddClaim(new Claim(ModuleClaim, moduleKey));
        }

        if (tenant.PrincipalAccountId is { } accountId)
        {
            identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, accountId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items.TryGetValue(FailureKey, out var f) && f is TokenFailure tf ? tf : TokenFailure.Missing;
        var detail = failure switch
        {
            TokenFailure.Missing => "A Forge Invocation Token is required in the Authorization header (Bearer).",
            TokenFailure.Uninstalled => "This installation of the app was uninstalled.",
            _ => "The Forge Invocation Token is not valid.",
        };
        Response.Headers.WWWAuthenticate = failure == TokenFailure.Missing ? "Bearer" : "Bearer error=\"invalid_token\""; // RFC 9110 §11.6.1, RFC 6750 §3
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var detail = Context.Items.TryGetValue(ForgeCallerHandler.DenialKey, out var d) && d is ForgeCallerDenial denial
            ? denial switch
            {
                ForgeCallerDenial.WrongModule => "This route accepts only Forge Invocation Tokens of its own manifest module (app.module.key).",
                ForgeCallerDenial.UserOnBackendRoute => "This route is called by Forge for the app, never on behalf of a user; tokens naming a user are refused.",
                ForgeCallerDenial.NoUser => "The request was not made by a signed-in Jira user.",
                _ => "This route is not open to Forge Invocation Tokens.",
            }
            : "You are not allowed to do this.";
        return Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", detail);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forge token refused: {Failure}")]
    private static partial void LogRefused(ILogger logger, TokenFailure failure);
}
