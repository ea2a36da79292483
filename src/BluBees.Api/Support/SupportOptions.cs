namespace BluBees.Api.Support;

/// <summary>
/// Configuration section <c>Support</c>: support staff sign in with the company identity provider, not Forge.
/// Validated on start by <see cref="SupportOptionsValidator"/>.
/// </summary>
internal sealed class SupportOptions
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
    public string RoleClaim { get; set; } = "roles";

    public string RequiredRole { get; set; } = "blubees-support";

    /// <summary>
    /// An <c>acr</c> value that counts as multi-factor authentication, for identity providers that state MFA that
    /// way instead of <c>amr: ["mfa"]</c>. Empty: only <c>amr</c> counts.
    /// </summary>
    public string? AcceptedAcr { get; set; }

    /// <summary>Allowed clock skew for exp/nbf (0..60).</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>How long audit entries (and the grants they name) are kept.</summary>
    public int AuditRetentionDays { get; set; } = 365;

    public int JwksCacheSeconds { get; set; } = 3600;

    public int JwksRefreshCooldownSeconds { get; set; } = 60;

    public int MaxTokenLength { get; set; } = 8192;
}
