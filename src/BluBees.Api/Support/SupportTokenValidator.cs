using BluBees.Api.Auth;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>
/// Verifies a support token from the company identity provider: the shared strict RS256 JWS check against the
/// support JWKS (with issuer, audience, exp/nbf and bounded skew, <see cref="Rs256Jws"/>), then the subject. Role and MFA are authorization
/// (403), not authentication, and are judged by <see cref="SupportIdentity.Denial"/>.
/// </summary>
internal sealed class SupportTokenValidator(SupportJwks keys, IOptions<SupportOptions> options, TimeProvider time)
{
    public async ValueTask<(SupportIdentity? Identity, TokenFailure Failure)> ValidateAsync(string? token, CancellationToken ct)
    {
        var opts = options.Value;
        var rules = new TokenRules(opts.Issuer, opts.Audience, opts.ClockSkewSeconds, opts.MaxTokenLength, time);
        var (payload, failure) = await Rs256Jws.VerifyAsync(token, keys, rules, ct);
        if (payload is null)
        {
            return (null, failure);
        }

        using (payload)
        {
            return SupportClaims.Check(payload.RootElement, opts);
        }
    }
}
