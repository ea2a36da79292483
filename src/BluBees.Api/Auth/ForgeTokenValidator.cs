using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// Verifies a Forge Invocation Token: the compact JWS through <see cref="Rs256Jws"/> (size capped before parsing,
/// header-supplied key material and <c>crit</c> refused and never fetched, key by <c>kid</c> from the JWKS, then
/// <c>JsonWebTokenHandler</c>: RS256 only, issuer, audience = our app id, exp required, nbf, bounded skew), then
/// Forge's own claims through <see cref="ForgeClaims"/> (the tenant from <c>app.installationId</c>).
/// </summary>
internal sealed class ForgeTokenValidator(IJwksSource keys, IOptions<ForgeOptions> options, TimeProvider time)
{
    /// <summary>The verified tenant and the manifest module the token was minted for (<c>app.module.key</c>), or why not.</summary>
    public async ValueTask<(TenantContext? Tenant, string? ModuleKey, TokenFailure Failure)> ValidateAsync(string? token, CancellationToken ct)
    {
        var opts = options.Value;
        var rules = new TokenRules(opts.Issuer, opts.AppId, opts.ClockSkewSeconds, opts.MaxTokenLength, time);
        var (payload, failure) = await Rs256Jws.VerifyAsync(token, keys, rules, ct);
        if (payload is null)
        {
            return (null, null, failure);
        }

        using (payload)
        {
            var (tenant, claimFailure) = ForgeClaims.Check(payload.RootElement, opts);
            return (tenant, tenant is null ? null : ForgeClaims.ModuleKey(payload.RootElement), claimFailure);
        }
    }
}
