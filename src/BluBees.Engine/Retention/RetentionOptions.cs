using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Retention;

/// <summary>Configuration section <c>Retention</c>: how the embedded store deletes expired items.</summary>
internal sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Time between two purges of expired items (the first runs at start).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between two rebuilds of the file (<c>VACUUM</c>) after purges that deleted expired items: the
    /// rebuild removes the stale copies of deleted rows that <c>secure_delete</c> leaves in pages' unallocated space, and
    /// holds the write lock while it runs (about 1 s per 250 MB of file), so it runs at most this often.
    /// </summary>
    [Range(typeof(TimeSpan), "00:10:00", "7.00:00:00")]
    public TimeSpan RebuildInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Items deleted per transaction; writers wait at most one batch.</summary>
    [Range(10, 10_000)]
    public int BatchSize { get; set; } = 500;
}

/// <summary>Source-generated validation of <see cref="RetentionOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class RetentionOptionsValidator : IValidateOptions<RetentionOptions>;
