using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Configuration section <c>OpenApi</c>. <c>Enabled</c> maps <see cref="OpenApiSetup.DocumentPath"/> for anonymous callers
/// (development and the tests): the document names every administrator's route, method and field, which the fallback
/// policy otherwise keeps from anyone without a valid token. It never starts beside the AWS providers (production).
/// </summary>
internal sealed class OpenApiDocumentOptions : IValidatableObject
{
    public const string Section = "OpenApi";

    public bool Enabled { get; set; }

    /// <summary>Which store and key providers this process uses (not a setting: filled in from <c>Storage:Provider</c> and <c>Keys:Provider</c>).</summary>
    internal string? AwsProvider { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && AwsProvider is { } aws)
        {
            yield return new ValidationResult(
                $"OpenApi:Enabled must be false with {aws}: the OpenAPI document is served to anonymous callers and names every administrator's route; it is for local use and the tests only.",
                [nameof(Enabled)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="OpenApiDocumentOptions"/>, run at start.</summary>
[OptionsValidator]
internal sealed partial class OpenApiDocumentOptionsValidator : IValidateOptions<OpenApiDocumentOptions>;
