using Microsoft.IdentityModel.Tokens;

namespace BluBees.Api.Auth;

/// <summary>
/// What one issuer's tokens must satisfy (Forge, the support identity provider). <see cref="Rs256Jws"/> turns it into
/// <c>TokenValidationParameters</c> for <c>JsonWebTokenHandler</c>: RS256 only, exact issuer and audience,
/// <c>exp</c> required, lifetime and <c>nbf</c> with a bounded skew, on the injected <see cref="TimeProvider"/> so a
/// fake clock in tests drives token lifetime too. The handler's own lifetime check reads the machine clock
/// (<c>TokenValidationParameters.TimeProvider</c> is internal in 8.23), so <see cref="CheckLifetime"/> is the one
/// piece of lifetime logic we keep; it throws the handler's own exception types, so failures keep their category.
/// </summary>
internal sealed record TokenRules(string Issuer, string Audience, int ClockSkewSeconds, int MaxTokenLength, TimeProvider Time)
{
    /// <summary>The handler's <c>LifetimeValidator</c>: <c>exp</c> required, <c>exp</c> and <c>nbf</c> within the skew of our clock.</summary>
    internal bool CheckLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException();
        }

        if (now > exp + parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException();
        }

        if (notBefore is { } nbf && now < nbf - parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException();
        }

        return true;
    }
}
