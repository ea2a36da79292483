using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace BluBees.Engine.Crypto;

/// <summary>
/// The secret shares this process has read (<see cref="TenantKeyShares.FindSecretShare"/>), so that a run opening its
/// connection's secret does not read a file for it every time: the read (open, read, close of a 32-byte file) took
/// the secret's decrypt from 0.011 to 0.052 ms at p50 on the event path (bench part 5, "credential"). A share never
/// changes under its id (ids are random, a replaced secret gets a new one), so an entry is never stale while its file
/// exists; the entry goes with the file (<see cref="Forget"/>, <see cref="ForgetTenant"/>: before the file is deleted,
/// and a read that raced the delete does not put it back), its bytes zeroed. At most <see cref="Capacity"/> entries:
/// when full it starts over (every entry zeroed). Callers get a copy, which they zero.
/// </summary>
internal sealed class SecretShareCache
{
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<(string Tenant, string Id), byte[]> _shares = new();
    private long _forgets; // bumped by every forget: a read that started before one does not cache what it read

    public long Generation => Interlocked.Read(ref _forgets);

    /// <summary>
    /// A copy of the cached share, or null. An entry is removed before it is zeroed (a forget, a start-over when full), so
    /// a copy is handed out only when its entry is still cached once it is made: one made while it was zeroed is dropped.
    /// </summary>
    public byte[]? Find(string tenant, string id)
    {
        if (!_shares.TryGetValue((tenant, id), out var share))
        {
            return null;
        }

        var copy = (byte[])share.Clone();
        if (_shares.TryGetValue((tenant, id), out var still) && ReferenceEquals(still, share))
        {
            return copy;
        }

        CryptographicOperations.ZeroMemory(copy);
        return null;
    }

    /// <summary>Keeps a copy of <paramref name="share"/>, read from its file after <paramref name="generation"/> was taken.</summary>
    public void Add(string tenant, string id, byte[] share, long generation)
    {
        if (_shares.Count >= Capacity)
        {
            Clear();
        }

        var copy = (byte[])share.Clone();
        if (Generation != generation || !_shares.TryAdd((tenant, id), copy))
        {
            CryptographicOperations.ZeroMemory(copy);
            return;
        }

        if (Generation != generation && _shares.TryRemove(new KeyValuePair<(string, string), byte[]>((tenant, id), copy)))
        {
            CryptographicOperations.ZeroMemory(copy); // a forget ran meanwhile: what was read may be a share it deleted
        }
    }

    public void Forget(string tenant, string id)
    {
        Interlocked.Increment(ref _forgets);
        if (_shares.TryRemove((tenant, id), out var share))
        {
            CryptographicOperations.ZeroMemory(share);
        }
    }

    public void ForgetTenant(string tenant)
    {
        Interlocked.Increment(ref _forgets);
        foreach (var key in _shares.Keys.Where(k => string.Equals(k.Tenant, tenant, StringComparison.Ordinal)))
        {
            if (_shares.TryRemove(key, out var share))
            {
                CryptographicOperations.ZeroMemory(share);
            }
        }
    }

    /// <summary>Drops every entry (full): no share was deleted, so reads in flight may still keep theirs.</summary>
    private void Clear()
    {
        foreach (var key in _shares.Keys)
        {
            if (_shares.TryRemove(key, out var share))
            {
                CryptographicOperations.ZeroMemory(share);
            }
        }
    }

    public int Count => _shares.Count;
}
