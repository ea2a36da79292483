using System.Text.Json;
using BluBees.Engine.Json;

namespace BluBees.Engine.Crypto;

/// <summary>The stored form of a tenant's wrapped data key (item <c>KEY</c> of the tenant partition).</summary>
internal sealed record StoredDataKey(string KeyId, string Wrapped, DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt = null)
{
    /// <summary>
    /// How much later than a message's receipt its tenant's data key may have been created and still be the key of
    /// the installation that received it: the ingress creates a missing key while it seals the message (after it
    /// took the receipt time), and instances' clocks differ a little. A key created later than this is a later
    /// installation's (an uninstall, then a reinstall), and the message is not that installation's.
    /// </summary>
    public static readonly TimeSpan InstallationSkew = TimeSpan.FromMinutes(1);

    /// <summary>The creation time of the stored key (kept across re-wraps: it names the installation), or null when unreadable (not JSON, or no such member).</summary>
    public static DateTimeOffset? CreatedAtOf(string data)
    {
        try
        {
            // Tolerant: a key item a later build wrote (a rollback) still names its installation (before, it read as
            // unreadable, so a reinstall was not told apart and a run of the earlier installation kept its records).
            return JsonSerializer.Deserialize<StoredDataKey>(data, JsonDefaults.Tolerant)?.CreatedAt;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the stored key (its item's data) belongs to an installation later than the one that received work at
    /// <paramref name="receivedAt"/>. An unreadable item is not taken as a later installation.
    /// </summary>
    public static bool IsLaterInstallation(string data, DateTimeOffset receivedAt)
        => IsLater(CreatedAtOf(data), receivedAt);

    /// <summary>As <see cref="IsLaterInstallation"/>, for a creation time already read (<see cref="CreatedAtOf"/>).</summary>
    public static bool IsLater(DateTimeOffset? created, DateTimeOffset receivedAt)
        => created is { } at && at > receivedAt + InstallationSkew;
}
