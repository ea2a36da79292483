namespace BluBees.Engine.Common;

/// <summary>
/// Time zones by IANA id (<c>Europe/Berlin</c>, <c>UTC</c>, <c>Etc/GMT+5</c>). On Linux an id is looked up as a file under
/// the zoneinfo directory, so names that are files of the host rather than zone ids resolve too: <c>localtime</c> (the
/// host's own zone), <c>posixrules</c>, <c>Factory</c>, and the <c>posix/</c>, <c>right/</c> (leap-second) and
/// <c>SystemV/</c> copies. Those depend on the machine, so they are refused everywhere a zone is named.
/// </summary>
public static class IanaZones
{
    public const int MaxIdLength = 64;

    private static readonly string[] HostFiles = ["localtime", "posixrules", "Factory"];

    private static readonly string[] HostFolders = ["posix/", "right/", "SystemV/"];

    /// <summary>The zone named by <paramref name="id"/> when it is a real IANA id; false for anything else (never throws).</summary>
    public static bool TryFind(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        return IsPlausible(id)
            && TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone)
            && zone.HasIanaId;
    }

    private static bool IsPlausible([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id)
        => id is { Length: > 0 and <= MaxIdLength }
        && !id.StartsWith('/')
        && !id.Contains("..", StringComparison.Ordinal)
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+')
        && !HostFiles.Any(f => string.Equals(id, f, StringComparison.OrdinalIgnoreCase))
        && !HostFolders.Any(f => id.StartsWith(f, StringComparison.OrdinalIgnoreCase));
}
