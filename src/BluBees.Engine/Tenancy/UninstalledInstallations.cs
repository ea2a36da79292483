using System.Collections.Concurrent;
using BluBees.Engine.Common;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Remembers for eight days (<see cref="Remembered"/>) that an installation was uninstalled, so that a request arriving after the uninstall with a
/// token that is still valid (an event Forge sent before it, a retry, a browser tab left open) cannot create the
/// tenant's data again: its META, directory entry, data key, rules or connections would be left behind with no
/// uninstall ever to come (Forge gives a reinstall a new installation id: ../shared/FORGE.md, "Key data to
/// app.installationId (changes on reinstall)"). The item holds the SHA-256 of the tenant id and the time, nothing
/// else, and expires by itself. Each instance caches "installed" for a tenant for <see cref="Recheck"/>, so the store
/// is read about once a minute per tenant and instance, not per request; "uninstalled" is never cached (those requests
/// are rare, and an operator's restore clears the mark for every instance at once).
/// <para>A request that passed the check just before the uninstall and writes after it (a save held up by Jira's
/// permission check, an event being queued) would still leave data behind, a new data key included. So the instance
/// counts the uninstalls it marks (<see cref="Marks"/>): a request notes the count before its check and, when it
/// changed by the end and its tenant is now marked, the tenant's data is deleted again (the API's
/// <c>UninstalledMeanwhileFilter</c>). Only uninstalls marked by this instance are seen: on AWS an uninstall on
/// another instance is not (docs/security.md).</para>
/// <para>On the embedded store an uninstall is recorded first outside the SQLite file (<see cref="PendingUninstalls"/>),
/// where another process's hold of its write lock cannot stop it: while that record is there, the installation counts
/// as marked too.</para>
/// </summary>
public sealed class UninstalledInstallations(IStore store, TimeProvider time, PendingUninstalls? pending = null)
{
    /// <summary>
    /// How long after an uninstall its installation's requests are refused: a day past the longest support grant, because
    /// the mark also closes the installation to support (a partition delete refused part way can leave a grant, and what
    /// it opens, behind: the support access filter). Tokens themselves live minutes.
    /// </summary>
    public static readonly TimeSpan Remembered = TimeSpan.FromHours(Support.SupportGrant.MaxHours) + TimeSpan.FromDays(1);

    /// <summary>How long an instance trusts its cached answer for a tenant.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(1);

    private const int MaxCached = 100_000;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _installedAt = new(StringComparer.Ordinal); // tenant → when it was seen installed
    private readonly Lock _marking = new();
    private long _marks;

    /// <summary>How many uninstalls this instance has marked; read before <see cref="IsUninstalledAsync"/>.</summary>
    public long Marks => Interlocked.Read(ref _marks);

    private sealed record Marker(DateTimeOffset UninstalledAt);

    /// <summary>Records the uninstall (before the tenant's data is deleted, so that no request recreates it meanwhile).</summary>
    public async Task MarkAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await store.PutAsync(new StoreItem(Keys.UninstalledPk, Sk(tenantId), StoredJson.Write(new Marker(now)), (now + Remembered).ToUnixTimeSeconds()), ct);
        Counted(tenantId);
    }

    /// <summary>
    /// Records the uninstall as pending outside the store (<see cref="PendingUninstalls"/>; false where there is none),
    /// before its mark: from then on the installation counts as marked, whatever holds the store's write lock.
    /// </summary>
    public bool RecordPending(TenantId tenantId)
    {
        if (pending is null)
        {
            return false;
        }

        pending.Record(tenantId);
        Counted(tenantId);
        return true;
    }

    /// <summary>Whether an uninstall of the installation is recorded as pending and not finished yet.</summary>
    public bool IsPending(TenantId tenantId) => pending?.Contains(tenantId) == true;

    private void Counted(TenantId tenantId)
    {
        lock (_marking)
        {
            // Together: a check that read "installed" before the mark cannot cache it after the count moved on.
            _installedAt.TryRemove(tenantId.Value, out _);
            Interlocked.Increment(ref _marks);
        }
    }

    /// <summary>Whether the installation is marked now (always read from the store), or its uninstall pending.</summary>
    public async Task<bool> IsMarkedAsync(TenantId tenantId, CancellationToken ct)
        => IsPending(tenantId) || await store.GetAsync(Keys.UninstalledPk, Sk(tenantId), ct) is not null;

    /// <summary>The mark as stored (null when there is none): an operator's restore that fails puts it back unchanged.</summary>
    public Task<StoreItem?> ReadMarkAsync(TenantId tenantId, CancellationToken ct)
        => store.GetAsync(Keys.UninstalledPk, Sk(tenantId), ct);

    /// <summary>Forgets the mark (an installation installed again under the same id, which Forge does not do).</summary>
    public async Task ClearAsync(TenantId tenantId, CancellationToken ct)
    {
        await store.DeleteAsync(Keys.UninstalledPk, Sk(tenantId), ct);
    }

    /// <summary>Whether the installation was uninstalled within <see cref="Remembered"/>.</summary>
    public async ValueTask<bool> IsUninstalledAsync(TenantId tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_installedAt.TryGetValue(tenantId.Value, out var seen) && now - seen < Recheck && now >= seen)
        {
            return false;
        }

        var marks = Marks;
        if (await IsMarkedAsync(tenantId, ct))
        {
            _installedAt.TryRemove(tenantId.Value, out _);
            return true;
        }

        lock (_marking)
        {
            if (Marks != marks)
            {
                return false; // an uninstall was marked meanwhile: answer from the read, but do not cache it
            }

            if (_installedAt.Count >= MaxCached)
            {
                _installedAt.Clear(); // a bound, not an eviction policy: tenant ids come only from verified tokens
            }

            _installedAt[tenantId.Value] = now;
        }

        return false;
    }

    private static string Sk(TenantId tenantId) => Keys.UninstalledSk(tenantId);
}
