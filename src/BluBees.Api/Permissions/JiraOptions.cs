using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Permissions;

/// <summary>Configuration section <c>Jira</c>: how the backend asks Jira about the calling user.</summary>
internal sealed class JiraOptions : IValidatableObject
{
    public const string Section = "Jira";

    /// <summary>
    /// Tests and local development only: send Jira calls here instead of the <c>apiBaseUrl</c> of the verified
    /// token (for example a fake Jira on loopback). Must be an absolute http(s) URL. Never set it in production.
    /// </summary>
    public string? ApiBaseUrlOverride { get; set; }

    /// <summary>Timeout of one Jira permission call. A write waits at most this long for the answer.</summary>
    [Range(1, 20)]
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>How long a user's administrator status is remembered per tenant + account (0: ask every time).</summary>
    [Range(0, 600)]
    public int PermissionCacheSeconds { get; set; } = 60;

    /// <summary>Set at composition: the setting that makes this an AWS backend (null for the embedded providers).</summary>
    internal string? AwsProvider { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Beside an AWS provider it would send every tenant's Jira calls, with that tenant's system or user token, to
        // one site instead of the one each verified token names; a loopback fake Jira (the tests') reaches nobody.
        if (AwsProvider is { } aws && !string.IsNullOrEmpty(ApiBaseUrlOverride)
            && !(Uri.TryCreate(ApiBaseUrlOverride, UriKind.Absolute, out var target) && target.IsLoopback))
        {
            yield return new ValidationResult(
                $"Jira:ApiBaseUrlOverride (env Jira__ApiBaseUrlOverride) must be unset with {aws}: it is for tests and local development (a loopback fake Jira) only.",
                [nameof(ApiBaseUrlOverride)]);
        }

        if (!string.IsNullOrEmpty(ApiBaseUrlOverride)
            && (!Uri.TryCreate(ApiBaseUrlOverride, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query)))
        {
            yield return new ValidationResult(
                "Jira:ApiBaseUrlOverride (env Jira__ApiBaseUrlOverride) must be an absolute http(s) URL without a query, e.g. http://127.0.0.1:5099.",
                [nameof(ApiBaseUrlOverride)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="JiraOptions"/> (attributes and <see cref="JiraOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class JiraOptionsValidator : IValidateOptions<JiraOptions>;
