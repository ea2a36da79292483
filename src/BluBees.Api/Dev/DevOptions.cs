using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Dev;

/// <summary>
/// Configuration section <c>DevIssuer</c>. Enabled by default in the Development environment only; it makes
/// the backend trust tokens signed by its own development key and serve <c>/dev/*</c>.
/// </summary>
internal sealed class DevOptions : IValidatableObject
{
    public const string Section = "DevIssuer";

    public bool Enabled { get; set; }

    /// <summary>Tenant used when a development token request names none.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "DevIssuer:DefaultTenantId must not be empty.")]
    public string DefaultTenantId { get; set; } = "ari:cloud:ecosystem::installation/00000000-0000-4000-8000-0000000dev01";

    [Required(AllowEmptyStrings = false, ErrorMessage = "DevIssuer:DefaultCloudId must not be empty.")]
    public string DefaultCloudId { get; set; } = "00000000-0000-4000-8000-00000000c10d";

    public string DefaultApiBaseUrl { get; set; } = "https://api.atlassian.com/ex/jira/00000000-0000-4000-8000-00000000c10d";

    /// <summary>
    /// Which store and key providers this process uses (not a setting: filled in from <c>Storage:Provider</c> and
    /// <c>Keys:Provider</c>). The development issuer mints a token for any tenant and makes <c>dev-admin</c> a Jira
    /// administrator, to anyone who can reach <c>POST /dev/token</c>: it never starts beside the AWS providers.
    /// </summary>
    internal string? AwsProvider { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Development tokens carry this as the tenant's Jira base; a relative or non-http value breaks every Jira call.
        if (!Uri.TryCreate(DefaultApiBaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("DevIssuer:DefaultApiBaseUrl must be an absolute http(s) URL.", [nameof(DefaultApiBaseUrl)]);
        }

        if (Enabled && AwsProvider is { } aws)
        {
            yield return new ValidationResult(
                $"DevIssuer:Enabled must be false with {aws}: the development token issuer mints tokens for any tenant, and is for local use only.",
                [nameof(Enabled)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="DevOptions"/> (attributes and <see cref="DevOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class DevOptionsValidator : IValidateOptions<DevOptions>;
