using Microsoft.IdentityModel.Tokens;

namespace BluBees.Api.Auth;

/// <summary>Maps <c>JsonWebTokenHandler</c>'s failure to our category; only the category is ever logged.</summary>
internal static class TokenFailures
{
    public static TokenFailure From(Exception? exception) => exception switch
    {
        SecurityTokenInvalidIssuerException => TokenFailure.Issuer,
        SecurityTokenInvalidAudienceException => TokenFailure.Audience,
        SecurityTokenNoExpirationException => TokenFailure.MissingClaim,
        SecurityTokenExpiredException => TokenFailure.Expired,
        SecurityTokenNotYetValidException => TokenFailure.NotYetValid,
        SecurityTokenInvalidLifetimeException => TokenFailure.NotYetValid,
        SecurityTokenInvalidAlgorithmException => TokenFailure.Algorithm,
        SecurityTokenSignatureKeyNotFoundException => TokenFailure.UnknownKey,
        SecurityTokenInvalidSignatureException => TokenFailure.Signature,
        _ => TokenFailure.Malformed,
    };
}
