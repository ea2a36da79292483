using System.ComponentModel.DataAnnotations;

namespace BluBees.Engine.Storage;

public enum StorageProvider { Sqlite, DynamoDb }

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions
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

    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFileName));
}
