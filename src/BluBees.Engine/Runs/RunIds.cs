using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// Run ids derived from the message that started the run, so that a message delivered to the worker again (after
/// a crash or a drain) finishes the same run record instead of adding a second one. Same shape as
/// <see cref="Ids.NewRunId"/>: a fixed-width time (the message's acceptance) and ten id characters.
/// </summary>
internal static class RunIds
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    public static string For(RunMessage message, string ruleId)
    {
        if (message.Id is null)
        {
            return Ids.NewRunId(message.ReceivedAt);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(message.Tenant.TenantId + "\n" + message.Id + "\n" + ruleId));
        var suffix = new char[10];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Alphabet[hash[i] % Alphabet.Length];
        }

        return Ids.RunIdLowerBound(message.ReceivedAt) + "-" + new string(suffix);
    }

    /// <summary>A message id for an event: derived from the tenant and the event's de-duplication key.</summary>
    public static string MessageFor(TenantId tenantId, string? dedupKey)
        => dedupKey is null
            ? Ids.New("msg")
            : "msg_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId.Value + "\n" + dedupKey)))[..32];
}
