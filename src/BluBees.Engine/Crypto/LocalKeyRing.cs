using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BluBees.Engine.Crypto;

/// <summary>
/// The embedded default's key-encryption keys: a JSON key ring file, mode 0600, created on first use.
/// Rotation adds a key and makes it current; retiring removes old keys once nothing uses them.
/// <para>
/// The operator rotates with <c>blubees keys rotate</c> in another process while the backend runs, so the file is
/// the truth, not this instance's memory: <see cref="CurrentKeyId"/> (asked before every wrap) re-reads the file,
/// and <see cref="GetKey"/> re-reads it when asked for a key id it does not hold (a data key re-wrapped under a
/// newer key). Writers replace the file atomically (temp file + rename), so a reader sees the old or the new
/// ring, never half of one; the replaced file is then overwritten with zeros (no other name of it keeps a retired
/// key), and a reader that opened it just before reads the path again. A ring file that cannot be read keeps the last good ring for unwrapping, but nothing
/// is wrapped under a key that the file may no longer name as current.
/// </para>
/// </summary>
public sealed class LocalKeyRing
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private RingFile _ring;
    private (DateTime Written, long Length) _stamp;

    public LocalKeyRing(string path)
        : this(path, storeHoldsDataKeys: null)
    {
    }

    /// <param name="path">The ring file.</param>
    /// <param name="storeHoldsDataKeys">
    /// Asked only when the file is missing: whether the store already holds a data key, necessarily wrapped under a key
    /// of a ring file that is not here (a directory copied or restored without it, a clean-up job, a key file on a
    /// volume not mounted). Then nothing is created and <see cref="KeyRingMissingException"/> names the file: a new,
    /// empty ring would let the backend start with every stored data key unopenable (queued events exhausted,
    /// secrets unavailable) and wrap new tenants under a ring the real one, once back, does not hold.
    /// </param>
    public LocalKeyRing(string path, Func<bool>? storeHoldsDataKeys)
    {
        _path = Path.GetFullPath(path);
        if (!File.Exists(_path) && storeHoldsDataKeys?.Invoke() == true)
        {
            throw new KeyRingMissingException($"Key ring file '{_path}' (Keys:LocalKeyFile, env Keys__LocalKeyFile, under Storage:DataDirectory) "
                + "is missing, but the database already holds tenant data keys wrapped under a key of it. Put the key ring file "
                + "that belongs to this database back (from the copy or backup the database came from); a new ring is created "
                + "only for a database without data keys (docs/operations.md, Key rotation).");
        }

        if (File.Exists(Storage.ReplacedFile.ReplacedName(_path)))
        {
            // A writer killed while it replaced the ring: its replaced ring (retired keys in it) is zeroed now.
            using var writing = WriteLock.Take(_path);
            Storage.ReplacedFile.Recover(_path, _path + ".tmp");
        }

        try
        {
            _ring = LoadOrCreate(_path);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // Never the parser's message: it quotes the file's content (key material).
            var reason = ex is InvalidOperationException ? ex.Message : $"Key ring file '{_path}' is not a key ring (not valid JSON).";
            throw new KeyRingUnavailableException(reason + " Put back the key ring file that belongs to this data directory "
                + "(Keys:LocalKeyFile, env Keys__LocalKeyFile); nothing was changed.");
        }

        _stamp = Stamp(_path);
    }

    public string FilePath => _path;

    /// <summary>The key new data keys are wrapped under, as the file names it now (re-read on every call).</summary>
    public string CurrentKeyId
    {
        get
        {
            lock (_gate)
            {
                if (!TryReload(force: true))
                {
                    throw new KeyRingUnavailableException("The local key ring file cannot be read; nothing is wrapped until it can.");
                }

                return _ring.Current;
            }
        }
    }

    public IReadOnlyCollection<string> KeyIds
    {
        get
        {
            lock (_gate)
            {
                TryReload(force: true);
                return _ring.Keys.Keys.ToArray();
            }
        }
    }

    /// <summary>The current key id and its key material, read together so that they cannot disagree.</summary>
    public (string KeyId, byte[] Key) GetCurrentKey()
    {
        lock (_gate)
        {
            var id = CurrentKeyId;
            return (id, Convert.FromBase64String(_ring.Keys[id]));
        }
    }

    public byte[] GetKey(string keyId)
    {
        lock (_gate)
        {
            // The file changed (rotated, retired) or the id is unknown here (rotated since this process read it):
            // read it again. A key the file no longer holds stops working now, not at the next restart.
            TryReload(force: !_ring.Keys.ContainsKey(keyId));

            if (!_ring.Keys.TryGetValue(keyId, out var encoded))
            {
                throw new KeyRingUnavailableException($"Key-encryption key '{keyId}' is not in the local key ring.");
            }

            return Convert.FromBase64String(encoded);
        }
    }

    /// <summary>
    /// Reads the file again when it changed since the last read (modification time or length), or always when
    /// <paramref name="force"/>. False (keeping the last good ring) when it is missing or unreadable.
    /// </summary>
    private bool TryReload(bool force)
    {
        try
        {
            var stamp = Stamp(_path);
            if (!force && stamp == _stamp)
            {
                return true;
            }

            _ring = Read(_path);
            _stamp = stamp;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Adds a fresh key and makes it current. Returns its id.</summary>
    public string AddAndActivate()
    {
        lock (_gate)
        {
            using var writing = WriteLock.Take(_path);
            ReloadForWrite();
            var key = RandomNumberGenerator.GetBytes(Aead.KeySize);
            var id = IdOf(key);
            var keys = new Dictionary<string, string>(_ring.Keys) { [id] = Convert.ToBase64String(key) };
            _ring = new RingFile(id, keys);
            Save(_path, _ring);
            _stamp = Stamp(_path);
            return id;
        }
    }

    /// <summary>Removes every key except the current one.</summary>
    public int RetireOldKeys() => RetireOldKeys(onlyIfCurrent: null)!.Value;

    /// <summary>
    /// Removes every key except the current one, unless <paramref name="onlyIfCurrent"/> is given and is no longer
    /// the current key (another process rotated since the caller checked that no data key uses an old key): then
    /// nothing is removed and the answer is null.
    /// </summary>
    public int? RetireOldKeys(string? onlyIfCurrent)
    {
        lock (_gate)
        {
            using var writing = WriteLock.Take(_path);
            ReloadForWrite();
            if (onlyIfCurrent is not null && _ring.Current != onlyIfCurrent)
            {
                return null;
            }

            var removed = _ring.Keys.Count - 1;
            _ring = new RingFile(_ring.Current, new Dictionary<string, string> { [_ring.Current] = _ring.Keys[_ring.Current] });
            Save(_path, _ring);
            _stamp = Stamp(_path);
            return removed;
        }
    }

    /// <summary>The file as it is now, under the write lock: a change is made to the latest ring, never to a stale copy.</summary>
    private void ReloadForWrite()
    {
        if (!TryReload(force: true))
        {
            throw new KeyRingUnavailableException("The local key ring file cannot be read; it is not changed until it can.");
        }
    }

    /// <summary>
    /// Serializes the changes of every process to the ring file (<c>&lt;ring&gt;.lock</c>, the OS's exclusive lock,
    /// released by the kernel if the process dies): two <c>keys rotate</c> at once would otherwise each write back the
    /// ring it read, the later dropping the other's new key while that one re-wraps data keys under it, and share one
    /// temp file. Held only for the read-modify-write (milliseconds); a second writer waits for it.
    /// </summary>
    private sealed class WriteLock(FileStream file) : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

        public static WriteLock Take(string ringPath)
        {
            Storage.OwnerOnlyFile.CreateDirectory(Path.GetDirectoryName(ringPath)!);
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = Storage.OwnerOnlyFile.Mode;
            }

            // Real (monotonic) time on purpose, not the injected TimeProvider: this waits for another process to release
            // an OS file lock; a fake clock that never advances would spin here for ever instead of giving up after 30 s.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return new WriteLock(new FileStream(ringPath + ".lock", options));
                }
                catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
                {
                    if (waited.Elapsed >= Patience)
                    {
                        throw new KeyRingUnavailableException("Another process has been changing the local key ring for too long; nothing was changed.");
                    }

                    Thread.Sleep(20);
                }
            }
        }

        public void Dispose() => file.Dispose();
    }

    private static RingFile LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return Read(path);
        }

        var key = RandomNumberGenerator.GetBytes(Aead.KeySize);
        var id = IdOf(key);
        var created = new RingFile(id, new Dictionary<string, string> { [id] = Convert.ToBase64String(key) });
        Save(path, created);
        return created;
    }

    private static (DateTime Written, long Length) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : throw new FileNotFoundException("The key ring file is missing.", path);
    }

    private static RingFile Read(string path)
    {
        var ring = JsonSerializer.Deserialize<RingFile>(ReadText(path))
            ?? throw new InvalidOperationException($"Key ring file '{path}' is empty.");
        if (ring.Current is null || ring.Keys is null || !ring.Keys.ContainsKey(ring.Current))
        {
            throw new InvalidOperationException($"Key ring file '{path}' names a current key it does not hold.");
        }

        // Every key is 32 bytes of base64: anything else (a bad edit, a truncated copy) would be a FormatException at
        // the next wrap (a 500), or, for 16 or 24 bytes, silently wrap data keys under AES-128/192.
        if (ring.Keys.Values.Any(k => !IsKey(k)))
        {
            throw new InvalidOperationException($"Key ring file '{path}' holds a key that is not {Aead.KeySize} bytes of base64.");
        }

        return ring;
    }

    /// <summary>
    /// The ring file's text. A NUL byte (never in a ring's JSON) means this read opened a ring that a writer replaced
    /// and is shredding (<see cref="Storage.ReplacedFile.Shred"/>, after the rename): the path already names the new
    /// ring, so it is read again, and a running backend never takes a ring being shredded for a broken one.
    /// </summary>
    private static string ReadText(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            var bytes = File.ReadAllBytes(path);
            if (!bytes.AsSpan().Contains((byte)0))
            {
                using var reader = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true);
                return reader.ReadToEnd(); // as File.ReadAllText did: a byte order mark an editor wrote is no character
            }

            if (attempt == 5)
            {
                throw new InvalidOperationException($"Key ring file '{path}' holds zeros (a replaced ring being shredded).");
            }
        }
    }

    private static bool IsKey(string? encoded)
    {
        Span<byte> key = stackalloc byte[Aead.KeySize + 1];
        var ok = encoded is not null && Convert.TryFromBase64String(encoded, key, out var written) && written == Aead.KeySize;
        CryptographicOperations.ZeroMemory(key);
        return ok;
    }

    private static void Save(string path, RingFile ring)
    {
        Storage.OwnerOnlyFile.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        // A replacement a killed writer left unfinished, before this one's temp file exists (it tells whether that rename was made).
        Storage.ReplacedFile.Recover(path, temp);
        // Create with 0600 before any key byte is written.
        using (var stream = Storage.OwnerOnlyFile.Create(temp))
        {
            JsonSerializer.Serialize(stream, ring);
            // On disk before the rename: otherwise a power loss (not a process crash) just after a rotation could leave
            // the renamed file empty, and every tenant's data key with no key to unwrap it.
            stream.Flush(flushToDisk: true);
        }

        Storage.OwnerOnlyFile.Restrict(temp);
        // The ring replaced (the retired keys in it after a retire) is zeroed after the rename and its flush: a reader
        // opening the path gets the new ring; one that opened the old file just before reads zeros and reads the path
        // again (ReadText). The rename is flushed too: without it a power loss could bring back the ring before a
        // rotation (while data keys were re-wrapped under the new key) or, for a new ring, lose the file. Killed between
        // the rename and the zeroing, the old ring is still named beside the new one and zeroed at the next start or write.
        Storage.ReplacedFile.Replace(temp, path);
    }

    private static string IdOf(byte[] key) => "local-" + Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));

    private sealed record RingFile(
        [property: JsonPropertyName("current")] string Current,
        [property: JsonPropertyName("keys")] Dictionary<string, string> Keys);
}
