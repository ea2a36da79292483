using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using BluBees.Engine.Webhooks;

namespace BluBees.Cli.Operator;

/// <summary>
/// The content of a backup file (encrypted as a whole, see <see cref="BackupFile"/>): one tenant's
/// configuration items as stored, except that secrets are taken out of their items in plaintext
/// (<see cref="BackupItem.Secret"/>) so that a restore can encrypt them under whatever tenant data key and key
/// provider the target has.
/// </summary>
internal sealed record TenantBackup(int Version, string TenantId, DateTimeOffset ExportedAt, IReadOnlyList<BackupItem> Items)
{
    public const int CurrentVersion = 1;
}

/// <summary>
/// One stored item: sort key, JSON document (without its secret ciphertexts), and the secret if it had one (for an
/// OAuth 2.0 refresh-token connection: the current, possibly rotated, refresh token; and its client secret).
/// </summary>
internal sealed record BackupItem(string Sk, string Data, string? Secret = null, string? ClientSecret = null);

/// <summary>
/// What a backup holds: tenant metadata, settings, connections, webhooks, rule heads, every rule version and the
/// version history's listing lines.
/// Never runs, run pointers, de-duplication markers, schedules, support grants, audit entries or the wrapped data
/// key (operational data, or useless without the source's key-encryption key). Pass-through data is never
/// stored, so it cannot be exported.
/// </summary>
internal static class BackupPolicy
{
    public static readonly string[] ExactKeys = [Keys.TenantMeta, Keys.SettingsSk];

    /// <summary>
    /// In restore order: rule heads last, so a head never points at a version not yet written. The version history's
    /// listing lines travel with the versions they list, so a restored tenant's first history read does not have to
    /// rebuild (and write) them.
    /// </summary>
    public static readonly string[] Prefixes = [Keys.ConnectionPrefix, Keys.WebhookPrefix, Keys.RuleVersionsPrefix, Keys.RuleVersionInfosPrefix, Keys.RulePrefix];

    /// <summary>The record id a secret-bearing item's ciphertext is bound to (AAD), or null for items without secrets.</summary>
    public static string? SecretRecordId(string sk, string id)
        => sk.StartsWith(Keys.ConnectionPrefix, StringComparison.Ordinal) ? ConnectionService.SecretRecordId(id)
        : sk.StartsWith(Keys.WebhookPrefix, StringComparison.Ordinal) ? WebhookService.SecretRecordId(id)
        : null;

    /// <summary>Restore order of an item: exact keys first, then by prefix.</summary>
    public static int Order(string sk)
    {
        if (ExactKeys.Contains(sk))
        {
            return -1;
        }

        var index = Array.FindIndex(Prefixes, p => sk.StartsWith(p, StringComparison.Ordinal));
        return index < 0 ? int.MaxValue : index;
    }
}
