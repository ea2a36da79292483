using System.ComponentModel.DataAnnotations;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Crypto;

public enum KeyProviderKind { LocalFile, Kms }

/// <summary>Configuration section <c>Keys</c>. Validated on start by <see cref="KeyOptionsValidator"/>.</summary>
public sealed class KeyOptions : IValidatableObject
{
    public const string Section = "Keys";

    public KeyProviderKind Provider { get; set; } = KeyProviderKind.LocalFile;

    /// <summary>Local key ring file; relative paths are under <c>Storage:DataDirectory</c>.</summary>
    [Required(ErrorMessage = "Keys:LocalKeyFile is required: the key ring file (relative to Storage:DataDirectory).")]
    public string LocalKeyFile { get; set; } = "keyring.json";

    /// <summary>KMS key id or ARN (production).</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>
    /// The DynamoDB key table (required with KMS): each tenant's key share and each stored secret's share, in a table
    /// without point-in-time recovery or backups, so that what a delete removes there is gone for good and a restored
    /// copy of the main table (35 days of PITR) no longer opens an uninstalled tenant's data key or a deleted secret
    /// (docs/security.md). Reached at <c>Storage:DynamoDbServiceUrl</c>.
    /// </summary>
    public string? KeyTableName { get; set; }

    /// <summary>KMS endpoint override (the loopback KMS stand-in in tests).</summary>
    public string? KmsServiceUrl { get; set; }

    /// <summary>
    /// How long one KMS request may go unanswered before the SDK gives it up (and retries it, within its bounded
    /// retries). The SDK's default is 100 s, longer than the API function's timeout (29 s). A given-up call is a
    /// transient failure: 503 with Retry-After.
    /// </summary>
    [Range(100, 60_000, ErrorMessage = "Keys:KmsTimeoutMilliseconds must be from 100 to 60000.")]
    public int KmsTimeoutMilliseconds { get; set; } = 2000;

    /// <summary>How long an unwrapped tenant data key may stay in memory.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Keys:DataKeyCacheTtl must be from 1 second to 1 day.")]
    public TimeSpan DataKeyCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many unwrapped tenant data keys may stay in memory at once.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Keys:DataKeyCacheSize must be from 1 to 1000000.")]
    public int DataKeyCacheSize { get; set; } = 1000;

    /// <summary>The KMS settings matter only when KMS is the provider.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != KeyProviderKind.Kms)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(KmsKeyId))
        {
            yield return new ValidationResult("Keys:KmsKeyId is required when Keys:Provider is Kms.", [nameof(KmsKeyId)]);
        }

        if (string.IsNullOrWhiteSpace(KeyTableName))
        {
            yield return new ValidationResult("Keys:KeyTableName (env Keys__KeyTableName) is required when Keys:Provider is Kms: the key table without point-in-time recovery (template.yaml KeyTable).", [nameof(KeyTableName)]);
        }
        else if (!StorageOptions.IsTableName(KeyTableName))
        {
            yield return new ValidationResult("Keys:KeyTableName (env Keys__KeyTableName) must be a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, '_', '-', '.') or a table ARN.", [nameof(KeyTableName)]);
        }

        if (!string.IsNullOrWhiteSpace(KmsServiceUrl) && !ServiceUrl.IsHttp(KmsServiceUrl))
        {
            yield return new ValidationResult("Keys:KmsServiceUrl (env Keys__KmsServiceUrl) must be an absolute http(s) URL, or unset for the regional endpoint.", [nameof(KmsServiceUrl)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="KeyOptions"/> (attributes and <see cref="KeyOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class KeyOptionsValidator : IValidateOptions<KeyOptions>;
