namespace BluBees.Engine.Runs;

/// <summary>
/// Messages this process accepted into the embedded queue, kept opened from their accepting COMMIT to their first claim
/// (issue 14: a claimed message was decrypted and parsed again although the accept had just serialised and sealed it,
/// about 5 % of the CPU of an event that waits for a worker). Each entry is keyed by message id and holds the exact
/// ciphertext the accept wrote: a claim is answered from memory only when the row it read carries that same text, so
/// a row sealed again meanwhile, or any row this process did not write, opens from the store as before. Taking an entry
/// removes it (a retry opens from the store). Bounded in entries and in ciphertext characters: past either it starts
/// over, so that messages deleted unclaimed (an uninstall's purge, a drop) cannot pin memory. The purge of a tenant
/// drops the tenant's entries at once (SqliteRunQueue.Purge.cs). The payload stays in this process's memory only, as it
/// does while its run executes; nothing of it is written anywhere but the sealed row.
/// </summary>
internal sealed class OpenedMessages(int capacity, long maxCharacters)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _characters;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Keeps <paramref name="message"/>, whose row was written with <paramref name="body"/> (its ciphertext).</summary>
    public void Keep(string messageId, string tenantId, string body, RunMessage message)
    {
        if (body.Length > maxCharacters)
        {
            return; // larger than the whole budget: opened from the store when claimed
        }

        lock (_lock)
        {
            if (_entries.Count >= capacity || _characters + body.Length > maxCharacters)
            {
                _entries.Clear();
                _characters = 0;
            }

            if (_entries.Remove(messageId, out var old))
            {
                _characters -= old.Body.Length;
            }

            _entries[messageId] = new Entry(tenantId, body, message);
            _characters += body.Length;
        }
    }

    /// <summary>
    /// Removes the entry of <paramref name="messageId"/> and answers its message when it was kept for exactly this tenant
    /// and ciphertext.
    /// </summary>
    public bool TryTake(string messageId, string tenantId, string body, out RunMessage message)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_entries.Remove(messageId, out entry))
            {
                message = null!;
                return false;
            }

            _characters -= entry.Body.Length;
        }

        if (string.Equals(entry.TenantId, tenantId, StringComparison.Ordinal) && string.Equals(entry.Body, body, StringComparison.Ordinal))
        {
            message = entry.Message;
            return true;
        }

        message = null!;
        return false;
    }

    public void Remove(string messageId)
    {
        lock (_lock)
        {
            if (_entries.Remove(messageId, out var old))
            {
                _characters -= old.Body.Length;
            }
        }
    }

    /// <summary>Drops every entry of <paramref name="tenantId"/> (its uninstall's purge).</summary>
    public void ForgetTenant(string tenantId)
    {
        lock (_lock)
        {
            foreach (var (id, entry) in _entries.Where(e => string.Equals(e.Value.TenantId, tenantId, StringComparison.Ordinal)).ToList())
            {
                _entries.Remove(id);
                _characters -= entry.Body.Length;
            }
        }
    }

    private sealed record Entry(string TenantId, string Body, RunMessage Message);
}
