using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>
/// Configuration section <c>Support</c>: support staff sign in with the company identity provider, not Forge.
/// Validated on start by <see cref="SupportOptionsValidator"/>: it refuses to start with support access half
/// configured, and every message names the key to set.
/// </summary>
internal sealed class SupportOptions : IValidatableObject
{
    public const string Section = "Support";

    /// <summary>When false (default) no <c>/support/*</c> route exists.</summary>
    public bool Enabled { get; set; }

    /// <summary>The identity provider's <c>iss</c>, compared exactly.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The identity provider's JWKS (https; http only to a loopback host).</summary>
    public string JwksUrl { get; set; } = string.Empty;

    /// <summary>The <c>aud</c> support tokens must carry (this API's identifier at the identity provider).</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>The claim holding the roles (a string or an array of strings).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Support:RoleClaim must not be empty.")]
    public string RoleClaim { get; set; } = "roles";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Support:RequiredRole must not be empty.")]
    public string RequiredRole { get; set; } = "blubees-support";

    /// <summary>
    /// An <c>acr</c> value that counts as multi-factor authentication, for identity providers that state MFA that
    /// way instead of <c>amr: ["mfa"]</c>. Empty: only <c>amr</c> counts.
    /// </summary>
    public string? AcceptedAcr { get; set; }

    /// <summary>
    /// How long after the multi-factor sign-in (the token's <c>auth_time</c>, OIDC Core 1.0 §2) a support token is
    /// accepted, in minutes (1..1440). It bounds what one MFA sign-in is worth however the identity provider renews
    /// tokens (refresh tokens keep the original <c>auth_time</c>). 60: one usual access-token lifetime, so a fresh
    /// sign-in covers a support session, and a stolen token or session works for an hour at most.
    /// </summary>
    [Range(1, 1440, ErrorMessage = "Support:MaxAuthAgeMinutes must be from 1 to 1440.")]
    public int MaxAuthAgeMinutes { get; set; } = 60;

    /// <summary>Allowed clock skew for exp/nbf and auth_time (0..60).</summary>
    [Range(0, 60, ErrorMessage = "Support:ClockSkewSeconds must be from 0 to 60.")]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>How long audit entries (and the grants they name) are kept.</summary>
    [Range(1, 3650, ErrorMessage = "Support:AuditRetentionDays must be from 1 to 3650.")]
    public int AuditRetentionDays { get; set; } = 365;

    [Range(60, 86400, ErrorMessage = "Support:JwksCacheSeconds must be from 60 to 86400.")]
    public int JwksCacheSeconds { get; set; } = 3600;

    [Range(1, 3600, ErrorMessage = "Support:JwksRefreshCooldownSeconds must be from 1 to 3600.")]
    public int JwksRefreshCooldownSeconds { get; set; } = 60;

    [Range(512, 65536, ErrorMessage = "Support:MaxTokenLength must be from 512 to 65536.")]
    public int MaxTokenLength { get; set; } = 8192;

    /// <summary>The identity provider's settings matter only when support access is enabled.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A blank value (or one with spaces around it) would count a token whose acr is that blank as multi-factor.
        if (AcceptedAcr is { Length: > 0 } acr && (string.IsNullOrWhiteSpace(acr) || acr.Trim() != acr))
        {
            yield return new ValidationResult("Support:AcceptedAcr must be the identity provider's acr value without surrounding spaces, or empty (only amr counts).", [nameof(AcceptedAcr)]);
        }

        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Issuer))
        {
            yield return new ValidationResult("Support:Issuer (env Support__Issuer) is required when Support:Enabled is true: the identity provider's 'iss'.", [nameof(Issuer)]);
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return new ValidationResult("Support:Audience (env Support__Audience) is required when Support:Enabled is true: the 'aud' of support tokens.", [nameof(Audience)]);
        }

        if (!Uri.TryCreate(JwksUrl, UriKind.Absolute, out var jwks))
        {
            yield return new ValidationResult("Support:JwksUrl (env Support__JwksUrl) is required when Support:Enabled is true: an absolute https URL.", [nameof(JwksUrl)]);
        }
        else if (jwks.Scheme != Uri.UriSchemeHttps && !(jwks.Scheme == Uri.UriSchemeHttp && jwks.IsLoopback))
        {
            yield return new ValidationResult("Support:JwksUrl must use https (http is accepted for a loopback host only).", [nameof(JwksUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="SupportOptions"/> (attributes and <see cref="SupportOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class SupportOptionsValidator : IValidateOptions<SupportOptions>;
