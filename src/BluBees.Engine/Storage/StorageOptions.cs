using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Storage;

public enum StorageProvider { Sqlite, DynamoDb }

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Where the embedded default keeps its SQLite file and key file.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data";

    /// <summary>SQLite file name inside <see cref="DataDirectory"/>.</summary>
    [Required]
    public string SqliteFileName { get; set; } = "blubees.db";

    /// <summary>DynamoDB table (production).</summary>
    public string TableName { get; set; } = "blubees";

    /// <summary>DynamoDB endpoint override (dynalite in tests); empty means the regional AWS endpoint.</summary>
    public string? DynamoDbServiceUrl { get; set; }

    /// <summary>
    /// How long one DynamoDB request may go unanswered before the SDK gives it up (and retries it, within its bounded
    /// retries). The SDK's default is 100 s, longer than Forge's event budget and the API function's timeout (29 s):
    /// a network path that drops requests would hold the request until Lambda ended it. A given-up call is a transient
    /// failure: 503 with Retry-After.
    /// </summary>
    [Range(100, 60_000)]
    public int DynamoDbTimeoutMilliseconds { get; set; } = 2000;

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFileName));

    /// <summary>The DynamoDB settings matter only when DynamoDB is the provider.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider != StorageProvider.DynamoDb)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(TableName))
        {
            yield return new ValidationResult("Storage:TableName is required when Storage:Provider is DynamoDb.", [nameof(TableName)]);
        }
        else if (!IsTableName(TableName))
        {
            // DynamoDB would refuse it on every request (ValidationException).
            yield return new ValidationResult(
                "Storage:TableName (env Storage__TableName) must be a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, '_', '-', '.') or a table ARN.",
                [nameof(TableName)]);
        }

        // On Linux Uri takes "/dynamodb" as the absolute file:///dynamodb: only http(s) reaches an endpoint.
        if (!string.IsNullOrWhiteSpace(DynamoDbServiceUrl) && !ServiceUrl.IsHttp(DynamoDbServiceUrl))
        {
            yield return new ValidationResult("Storage:DynamoDbServiceUrl (env Storage__DynamoDbServiceUrl) must be an absolute http(s) URL, or unset for the regional endpoint.", [nameof(DynamoDbServiceUrl)]);
        }
    }

    /// <summary>A table name as DynamoDB's naming rules allow it, or the ARN of one (which the API accepts as TableName).</summary>
    internal static bool IsTableName(string value)
    {
        var name = value;
        if (value.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = value.Split(':');
            if (parts.Length != 6 || parts[2] != "dynamodb" || !parts[5].StartsWith("table/", StringComparison.Ordinal))
            {
                return false;
            }

            name = parts[5]["table/".Length..];
        }

        return name.Length is >= 3 and <= 255 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
    }
}

/// <summary>Source-generated validation of <see cref="StorageOptions"/> (attributes and <see cref="StorageOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
