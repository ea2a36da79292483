using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Names;

/// <summary>
/// Serialises unique names (<see cref="UniqueNames"/>) across concurrent saves, in one process or many: a save that
/// gives a rule or connection a new name first claims it with a conditional write of one small item in the tenant's
/// partition (<see cref="Keys.NameClaim"/>), so of two saves of the same new name at the same moment exactly one holds
/// the claim and the other answers 409. The list check stays behind it for names stored before claims existed.
/// <para>
/// The item's key carries a hash of the name (trimmed, upper-cased invariantly, as <see cref="UniqueNames.Same"/>
/// compares), never the name, and its data only the owner's id and when it was claimed. A claim is released when
/// its owner is renamed or deleted, by a delete conditional on the revision read, so a release never removes a claim
/// someone else has taken over since. A claim left behind (a save that died between claim and write, a release
/// that failed) is stale once its owner does not carry the name and the claim is older than <see cref="PendingFor"/>
/// (an owner without the name may still be saving it: a new one not yet written, or a rename in flight); the next
/// claimant takes it over with a conditional write.
/// </para>
/// </summary>
internal sealed class NameClaims(IStore store, TimeProvider time)
{
    /// <summary>How long a claim whose owner does not exist yet is taken for a save still in flight.</summary>
    public static readonly TimeSpan PendingFor = TimeSpan.FromSeconds(30);

    /// <summary>What <see cref="ClaimAsync"/> answers when the claim kept changing under it (no holder to name).</summary>
    public const string Contended = "";

    /// <summary>
    /// Claims <paramref name="name"/> of <paramref name="kind"/> for <paramref name="owner"/>. Returns null when the owner
    /// holds the claim (newly or already), otherwise the id of the one that holds it. <paramref name="nameOf"/> reads
    /// an owner's current name (null when it does not exist).
    /// </summary>
    public async Task<string?> ClaimAsync(
        TenantId tenantId, string kind, string name, string owner, Func<string, CancellationToken, Task<string?>> nameOf, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var sk = Keys.NameClaim(kind, Fingerprint(name));
        var data = StoredJson.Write(new Claim(owner, time.GetUtcNow().ToUnixTimeSeconds()));
        string? holder = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await partition.PutIfAbsentAsync(sk, data, ct))
            {
                return null;
            }

            if (await partition.GetAsync(sk, ct) is not { } item)
            {
                continue; // released in between: try to create it again
            }

            var claim = StoredJson.ReadTolerant<Claim>(item.Data); // a later build's claim (a rollback) still names its owner
            if (claim.Owner == owner)
            {
                return null;
            }

            holder = claim.Owner;
            if (await IsLiveAsync(claim, name, nameOf, ct))
            {
                return holder;
            }

            if (await partition.PutIfRevisionAsync(sk, data, item.Revision, ct))
            {
                return null; // a stale claim taken over
            }
        }

        return holder ?? Contended;
    }

    /// <summary>Releases <paramref name="owner"/>'s claim of <paramref name="name"/>, if it holds it.</summary>
    public async Task ReleaseAsync(TenantId tenantId, string kind, string name, string owner, CancellationToken ct)
    {
        var partition = store.ForTenant(tenantId);
        var sk = Keys.NameClaim(kind, Fingerprint(name));
        if (await partition.GetAsync(sk, ct) is { } item && StoredJson.ReadTolerant<Claim>(item.Data).Owner == owner)
        {
            await partition.DeleteIfRevisionAsync(sk, item.Revision, ct);
        }
    }

    /// <summary>The key part for a name: a SHA-256 of the name as <see cref="UniqueNames.Same"/> compares it.</summary>
    internal static string Fingerprint(string name)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name.Trim().ToUpperInvariant())));

    private async Task<bool> IsLiveAsync(Claim claim, string name, Func<string, CancellationToken, Task<string?>> nameOf, CancellationToken ct)
    {
        if (await nameOf(claim.Owner, ct) is { } current && UniqueNames.Same(current, name))
        {
            return true;
        }

        // An owner without the name yet may be a save still in flight: a new rule not written, or an existing one being
        // renamed to it (it carries its old name until its head is written). Either is taken over only once stale; taken
        // at once, two renames to one name each won a claim and both were saved (UniqueNamesApiTests).
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(claim.At);
        return age < PendingFor && age > -PendingFor;
    }

    private sealed record Claim(string Owner, long At);
}
