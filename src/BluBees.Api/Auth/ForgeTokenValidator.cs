using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>
/// Verifies a Forge Invocation Token: the compact JWS through <see cref="Rs256Jws"/> (RS256 only, key by
/// <c>kid</c> from the JWKS, header-supplied key material and <c>crit</c> refused and never fetched, size
/// capped before parsing), then Forge's claims through <see cref="ForgeClaims"/> (issuer, audience = our app
/// id, exp required, nbf, bounded skew, the tenant from <c>app.installationId</c>).
/// </summary>
public sealed class ForgeTokenValidator(IJwksSource keys, IOptions<ForgeOptions> options, TimeProvider time)
{
    public async ValueTask<(TenantContext? Tenant, TokenFailure Failure)> ValidateAsync(string? token, CancellationToken ct)
    {
        var opts = options.Value;
        var (payload, failure) = await Rs256Jws.VerifyAsync(token, keys, opts.MaxTokenLength, ct);
        if (payload is null)
        {
            return (null, failure);
        }

        using (payload)
        {
            return ForgeClaims.Check(payload.RootElement, opts, time.GetUtcNow());
        }
    }
}
