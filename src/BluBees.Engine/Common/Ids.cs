using System.Security.Cryptography;

namespace BluBees.Engine.Common;

/// <summary>Opaque, unguessable identifiers. Run ids start with a fixed-width time so they sort by time.</summary>
public static class Ids
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string New(string prefix) => prefix + "_" + RandomNumberGenerator.GetString(Alphabet, 20);

    public static string NewRunId(DateTimeOffset at)
        => at.ToUnixTimeMilliseconds().ToString("D13", System.Globalization.CultureInfo.InvariantCulture) + "-" + RandomNumberGenerator.GetString(Alphabet, 10);

    /// <summary>
    /// The last time a run id's 13 digits can hold (2286-11-20): a range that ends at or after it has no upper bound
    /// (the run log's <c>to</c> may be as late as DateTimeOffset.MaxValue, where adding a millisecond throws).
    /// </summary>
    public static readonly DateTimeOffset LastRunIdTime = DateTimeOffset.FromUnixTimeMilliseconds(9_999_999_999_999);

    /// <summary>
    /// The smallest run id at or after <paramref name="at"/> (for range queries). Times outside the ids' 13 digits are
    /// clamped to them (before 1970: the first id; a 14-digit time would sort before today's ids as text).
    /// </summary>
    public static string RunIdLowerBound(DateTimeOffset at)
        => Math.Clamp(at.ToUnixTimeMilliseconds(), 0, 9_999_999_999_999).ToString("D13", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Ids in routes are checked before they touch storage: short, and only id characters.</summary>
    public static bool IsWellFormed(string? id) => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>
    /// A time-ordered id (a run's, an audit entry's) as a paging cursor: 13 digits, a dash, id characters. Anything else
    /// is not a cursor the API returned (a well-formed but foreign value would page from an arbitrary place).
    /// </summary>
    public static bool IsTimeOrdered(string? value)
        => value is { Length: > 14 and <= 64 } && value[13] == '-' && value.AsSpan(0, 13).IndexOfAnyExceptInRange('0', '9') < 0 && IsWellFormed(value);

    /// <summary>An id as messages may show it: itself when it looks like an id, else a placeholder (a path is not echoed).</summary>
    public static string Shown(string? id) => IsWellFormed(id) ? id! : "(invalid id)";
}
