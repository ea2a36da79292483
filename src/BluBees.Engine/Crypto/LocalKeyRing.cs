using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BluBees.Engine.Crypto;

/// <summary>
/// The embedded default's key-encryption keys: a JSON key ring file, mode 0600, created on first use.
/// Rotation adds a key and makes it current; retiring removes old keys once nothing uses them.
/// </summary>
public sealed class LocalKeyRing
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private RingFile _ring;

    public LocalKeyRing(string path)
    {
        _path = Path.GetFullPath(path);
        _ring = LoadOrCreate(_path);
    }

    public string FilePath => _path;

    public string CurrentKeyId => _ring.Current;

    public IReadOnlyCollection<string> KeyIds => _ring.Keys.Keys;

    public byte[] GetKey(string keyId)
    {
        lock (_gate)
        {
            if (!_ring.Keys.TryGetValue(keyId, out var encoded))
            {
                throw new CryptographicException($"Key-encryption key '{keyId}' is not in the local key ring.");
            }

            return Convert.FromBase64String(encoded);
        }
    }

    /// <summary>Adds a fresh key and makes it current. Returns its id.</summary>
    public string AddAndActivate()
    {
        lock (_gate)
        {
            var key = RandomNumberGenerator.GetBytes(Aead.KeySize);
            var id = IdOf(key);
            var keys = new Dictionary<string, string>(_ring.Keys) { [id] = Convert.ToBase64String(key) };
            _ring = new RingFile(id, keys);
            Save(_path, _ring);
            return id;
        }
    }

    /// <summary>Removes every key except the current one.</summary>
    public int RetireOldKeys()
    {
        lock (_gate)
        {
            var removed = _ring.Keys.Count - 1;
            _ring = new RingFile(_ring.Current, new Dictionary<string, string> { [_ring.Current] = _ring.Keys[_ring.Current] });
            Save(_path, _ring);
            return removed;
        }
    }

    private static RingFile LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var ring = JsonSerializer.Deserialize<RingFile>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"Key ring file '{path}' is empty.");
            if (!ring.Keys.ContainsKey(ring.Current))
            {
                throw new InvalidOperationException($"Key ring file '{path}' names a current key it does not hold.");
            }

            return ring;
        }

        var key = RandomNumberGenerator.GetBytes(Aead.KeySize);
        var id = IdOf(key);
        var created = new RingFile(id, new Dictionary<string, string> { [id] = Convert.ToBase64String(key) });
        Save(path, created);
        return created;
    }

    private static void Save(string path, RingFile ring)
    {
        Storage.OwnerOnlyFile.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        // Create with 0600 before any key byte is written.
        using (var stream = Storage.OwnerOnlyFile.Create(temp))
        {
            JsonSerializer.Serialize(stream, ring);
        }

        Storage.OwnerOnlyFile.Restrict(temp);
        File.Move(temp, path, overwrite: true);
    }

    private static string IdOf(byte[] key) => "local-" + Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));

    private sealed record RingFile(
        [property: JsonPropertyName("current")] string Current,
        [property: JsonPropertyName("keys")] Dictionary<string, string> Keys);
}
