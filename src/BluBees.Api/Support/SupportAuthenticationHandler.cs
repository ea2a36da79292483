using System.Text.Encodings.Web;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>
/// The <c>Support</c> scheme: a bearer token from the company identity provider, used on <c>/support/*</c> only.
/// An invalid token is a 401; a valid one without the role or MFA is a 403, audited in the tenant named by the route.
/// </summary>
internal sealed partial class SupportAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder,
    SupportTokenValidator validator, IOptions<SupportOptions> support, SupportAudit audit, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Support";
    private const string FailureKey = "blubees.support.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerHeader.Token(Request.Headers.Authorization) is not { } token)
        {
            Context.Items[FailureKey] = TokenFailure.Missing;
            return AuthenticateResult.NoResult();
        }

        var (identity, failure) = await validator.ValidateAsync(token, Context.RequestAborted);
        if (identity is null)
        {
            Context.Items[FailureKey] = failure;
            LogRefused(Logger, failure);
            return AuthenticateResult.Fail("invalid support token");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(identity.ToPrincipal(SchemeName), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = Context.Items.TryGetValue(FailureKey, out var f) && f is TokenFailure tf ? tf : TokenFailure.Missing;
        var detail = failure switch
        {
            TokenFailure.Missing => "A support token from the company identity provider is required in the Authorization header (Bearer).",
            TokenFailure.Expired => "The support token has expired; sign in to the identity provider again.",
            _ => "The support token is not valid.",
        };
        Response.Headers.WWWAuthenticate = failure == TokenFailure.Missing ? "Bearer" : "Bearer error=\"invalid_token\"";
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    /// <summary>Authenticated support staff refused by the role or MFA rules: audited like any other denied read.</summary>
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var marks = audit.Marks;
        var identity = SupportIdentity.From(Context.User);
        var reason = identity?.Denial(support.Value, time.GetUtcNow()) ?? SupportDenial.Role;
        if (identity is not null && SupportTenant.FromRoute(Context) is { } tenantId)
        {
            await audit.RecordAsync(Context, identity, tenantId, SupportAuditOutcome.Denied, grantId: null, reason, marks);
        }
        else if (identity is not null)
        {
            audit.RecordUnaddressed(Context, identity, reason);
        }

        await SupportProblems.Forbidden(reason).ExecuteAsync(Context);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Support token refused: {Failure}")]
    private static partial void LogRefused(ILogger logger, TokenFailure failure);
}
