using System.Globalization;
using System.Security.Claims;
using BluBees.Engine.Support;

namespace BluBees.Api.Support;

/// <summary>A verified support token's identity: subject, display e-mail, roles and how the person authenticated.</summary>
internal sealed record SupportIdentity(string Subject, string? Email, IReadOnlyList<string> Roles, IReadOnlyList<string> Amr, string? Acr, DateTimeOffset? AuthTime)
{
    private const string SubjectType = "sub";
    private const string EmailType = "email";
    private const string RoleType = "blubees:support:role";
    private const string AmrType = "amr";
    private const string AcrType = "acr";
    private const string AuthTimeType = "auth_time";

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var identity = new ClaimsIdentity(scheme, SubjectType, RoleType);
        identity.AddClaim(new Claim(SubjectType, Subject));
        if (Email is not null)
        {
            identity.AddClaim(new Claim(EmailType, Email));
        }

        identity.AddClaims(Roles.Select(r => new Claim(RoleType, r)));
        identity.AddClaims(Amr.Select(a => new Claim(AmrType, a)));
        if (Acr is not null)
        {
            identity.AddClaim(new Claim(AcrType, Acr));
        }

        if (AuthTime is { } authTime)
        {
            identity.AddClaim(new Claim(AuthTimeType, authTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        }

        return new ClaimsPrincipal(identity);
    }

    /// <summary>The support identity of an authenticated principal of the Support scheme, or null.</summary>
    public static SupportIdentity? From(ClaimsPrincipal user)
    {
        var identity = user.Identities.FirstOrDefault(i => i.IsAuthenticated && i.AuthenticationType == SupportAuthenticationHandler.SchemeName);
        if (identity?.FindFirst(SubjectType)?.Value is not { } subject)
        {
            return null;
        }

        return new SupportIdentity(
            subject,
            identity.FindFirst(EmailType)?.Value,
            [.. identity.FindAll(RoleType).Select(c => c.Value)],
            [.. identity.FindAll(AmrType).Select(c => c.Value)],
            identity.FindFirst(AcrType)?.Value,
            long.TryParse(identity.FindFirst(AuthTimeType)?.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at) ? DateTimeOffset.FromUnixTimeSeconds(at) : null);
    }

    /// <summary>
    /// Why this person may not read support data at all (role, then MFA, then its age), or null. Only <c>amr</c>
    /// containing exactly <c>mfa</c> counts — <c>otp</c>, <c>hwk</c>, <c>swk</c> alone do not, since they can be one
    /// factor — or an <c>acr</c> equal to the configured <see cref="SupportOptions.AcceptedAcr"/>. The sign-in
    /// (<c>auth_time</c>, required) must be at most <see cref="SupportOptions.MaxAuthAgeMinutes"/> before
    /// <paramref name="now"/> and not after it, each with the exp/nbf skew.
    /// </summary>
    public string? Denial(SupportOptions options, DateTimeOffset now)
    {
        if (!Roles.Contains(options.RequiredRole, StringComparer.Ordinal))
        {
            return SupportDenial.Role;
        }

        var mfa = Amr.Contains("mfa", StringComparer.Ordinal)
            || (options.AcceptedAcr is { Length: > 0 } accepted && string.Equals(Acr, accepted, StringComparison.Ordinal));
        if (!mfa)
        {
            return SupportDenial.Mfa;
        }

        var skew = TimeSpan.FromSeconds(options.ClockSkewSeconds);
        return AuthTime is { } at && at <= now + skew && now - at <= TimeSpan.FromMinutes(options.MaxAuthAgeMinutes) + skew
            ? null
            : SupportDenial.MfaTooOld;
    }
}
