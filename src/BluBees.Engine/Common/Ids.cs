using System.Security.Cryptography;

namespace BluBees.Engine.Common;

/// <summary>Opaque, unguessable identifiers. Run ids start with a fixed-width time so they sort by time.</summary>
public static class Ids
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string New(string prefix) => prefix + "_" + RandomNumberGenerator.GetString(Alphabet, 20);

    public static string NewRunId(DateTimeOffset at)
        => at.ToUnixTimeMilliseconds().ToString("D13", System.Globalization.CultureInfo.InvariantCulture) + "-" + RandomNumberGenerator.GetString(Alphabet, 10);

    /// <summary>The smallest run id at or after <paramref name="at"/> (for range queries).</summary>
    public static string RunIdLowerBound(DateTimeOffset at)
        => at.ToUnixTimeMilliseconds().ToString("D13", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Ids in routes are checked before they touch storage: short, and only id characters.</summary>
    public static bool IsWellFormed(string? id) => id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>An id as messages may show it: itself when it looks like an id, else a placeholder (a path is not echoed).</summary>
    public static string Shown(string? id) => IsWellFormed(id) ? id! : "(invalid id)";
}
