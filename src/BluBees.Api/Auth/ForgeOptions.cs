using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Auth;

/// <summary>Configuration section <c>Forge</c>: how Forge Invocation Tokens are verified.</summary>
internal sealed class ForgeOptions : IValidatableObject
{
    public const string Section = "Forge";
    public const string AtlassianJwksUrl = "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json";

    /// <summary>The audience every token must carry: <c>ari:cloud:ecosystem::app/&lt;uuid&gt;</c>.</summary>
    [Required(ErrorMessage = "Forge:AppId (env Forge__AppId) is required: the app id ari:cloud:ecosystem::app/<uuid>.")]
    [RegularExpression("^ari:cloud:ecosystem::app/[0-9a-fA-F-]{36}$", ErrorMessage = "Forge:AppId must look like ari:cloud:ecosystem::app/<uuid>.")]
    public string AppId { get; set; } = string.Empty;

    /// <summary>
    /// When set, every token's <c>app.environment.type</c> must equal it (ignoring case), e.g. <c>PRODUCTION</c>: all
    /// environments of an app share its app id and audience, so only this keeps tokens of the app's development or
    /// staging installations away from a production backend. Unset: any environment.
    /// </summary>
    [RegularExpression("^[A-Za-z_]{1,40}$", ErrorMessage = "Forge:EnvironmentType must be an environment type such as PRODUCTION, STAGING or DEVELOPMENT.")]
    public string? EnvironmentType { get; set; }

    /// <summary>
    /// Where the signing keys come from: absolute https (http for a loopback host only, as in tests). Whoever can
    /// answer this URL can mint tokens for any tenant, so a plain-http or malformed value is refused at start.
    /// </summary>
    [Required]
    public string JwksUrl { get; set; } = AtlassianJwksUrl;

    [Required]
    public string Issuer { get; set; } = "forge/invocation-token";

    /// <summary>Allowed clock skew for exp/nbf; capped at 30 s (FITs live about 25 s).</summary>
    [Range(0, 30)]
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>Minimum time between two JWKS fetches caused by unknown key ids.</summary>
    [Range(1, 3600)]
    public int JwksRefreshCooldownSeconds { get; set; } = 60;

    /// <summary>How long a fetched JWKS is trusted before a routine refresh.</summary>
    [Range(60, 86400)]
    public int JwksCacheSeconds { get; set; } = 3600;

    /// <summary>
    /// How long past <see cref="JwksCacheSeconds"/> the last fetched keys are still trusted while every refresh
    /// fails (the issuer unreachable or answering errors). After that the cache holds no key and tokens are refused
    /// until a fetch succeeds: a key the issuer withdrew is not trusted forever because its JWKS could not be read.
    /// </summary>
    [Range(0, 604800)]
    public int JwksMaxStaleSeconds { get; set; } = 86400;

    /// <summary>Tokens longer than this are refused before any parsing.</summary>
    [Range(512, 65536)]
    public int MaxTokenLength { get; set; } = 8192;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(JwksUrl))
        {
            yield break; // [Required] names it
        }

        if (!Uri.TryCreate(JwksUrl, UriKind.Absolute, out var jwks) || jwks.Scheme is not ("https" or "http"))
        {
            yield return new ValidationResult("Forge:JwksUrl (env Forge__JwksUrl) must be an absolute https URL; leave it unset for Atlassian's.", [nameof(JwksUrl)]);
        }
        else if (jwks.Scheme != Uri.UriSchemeHttps && !jwks.IsLoopback)
        {
            yield return new ValidationResult("Forge:JwksUrl must use https (http is accepted for a loopback host only).", [nameof(JwksUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="ForgeOptions"/> (attributes and <see cref="ForgeOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class ForgeOptionsValidator : IValidateOptions<ForgeOptions>;
