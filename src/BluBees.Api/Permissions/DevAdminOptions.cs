using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Permissions;

/// <summary>
/// <c>DevIssuer:AdminAccountIds</c>: in development mode (<c>DevIssuer:Enabled</c>) these account ids are Jira
/// administrators without asking Jira, so the local UI can change configuration. Ignored unless DevIssuer is enabled.
/// </summary>
internal sealed class DevAdminOptions : IValidatableObject
{
    public static readonly IReadOnlyList<string> DefaultAdmins = ["dev-admin"];

    public List<string>? AdminAccountIds { get; set; }

    public IReadOnlyList<string> Effective => AdminAccountIds is { Count: > 0 } ids ? ids : DefaultAdmins;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A blank entry would match no account id, silently: say so at start instead.
        if (AdminAccountIds?.Any(string.IsNullOrWhiteSpace) == true)
        {
            yield return new ValidationResult("DevIssuer:AdminAccountIds must not contain an empty account id.", [nameof(AdminAccountIds)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="DevAdminOptions"/>, run at start.</summary>
[OptionsValidator]
internal sealed partial class DevAdminOptionsValidator : IValidateOptions<DevAdminOptions>;
