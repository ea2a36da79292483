using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;

namespace BluBees.Cli.Operator;

/// <summary>
/// A backup file: the <see cref="TenantBackup"/> JSON encrypted as a whole with AES-256-GCM under a key derived
/// from the operator's passphrase with PBKDF2-HMAC-SHA256 (600 000 iterations, random 16-byte salt). The header
/// (format, iterations, salt) is bound as associated data, so it cannot be altered either. Written 0600.
/// </summary>
internal static class BackupFile
{
    public const string Format = "blubees-backup";
    public const int Iterations = 600_000;
    /// <summary>
    /// The most iterations a header may ask for: the header is read before it is authenticated, so an altered or
    /// corrupt file asking for 2^31 would keep restore deriving a key for the better part of an hour.
    /// </summary>
    public const int MaxIterations = 10_000_000;
    public const int MinPassphraseLength = 12;
    private const int SaltSize = 16;

    public static void Write(string path, TenantBackup backup, string passphrase)
        => Write(path, JsonSerializer.SerializeToUtf8Bytes(backup, JsonDefaults.Options), passphrase);

    /// <summary>Seals <paramref name="plaintext"/> (a backup's JSON; zeroed after) into the file.</summary>
    internal static void Write(string path, byte[] plaintext, string passphrase)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var header = new Header(Format, 1, "PBKDF2-HMAC-SHA256", Iterations, Convert.ToBase64String(salt), "AES-256-GCM", string.Empty);
        var key = DeriveKey(passphrase, salt, Iterations);
        try
        {
            var sealedData = Aead.Seal(key, plaintext, Aad(header));
            WriteReplacing(path, header with { Data = Convert.ToBase64String(sealedData) });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Writes the file beside <paramref name="path"/> (a new file, 0600, on disk) and renames it over
    /// <paramref name="path"/>. Opening <paramref name="path"/> itself kept an existing file's mode (0644: the backup
    /// readable by every local user) and truncated the previous backup before the new one was whole.
    /// </summary>
    private static void WriteReplacing(string path, Header header)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        // An earlier export to this path killed between its rename and its zeroing left the backup it replaced named
        // beside it (ReplacedFile.Replace): zeroed now, before this export replaces anything (KilledBackupExportTests).
        ReplacedFile.Recover(full);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile.Mode;
            }

            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, header);
                stream.Flush(flushToDisk: true);
            }

            // A backup replaced (its secrets, some since deleted or replaced, sealed under the passphrase) is zeroed
            // after the rename: a hard link to it taken before no longer reads it. Until then it keeps a name beside the
            // new one, so that a process killed in between leaves it to the next export's Recover, not to nothing.
            ReplacedFile.Replace(temp, full);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp); // a half-written file after a failure; nothing after the move
            }
        }
    }

    public static TenantBackup Read(string path, string passphrase)
    {
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(OperatorFiles.Read(path, OperatorFiles.MaxBackupBytes, "--in")) ?? throw new CliException($"'{path}' is empty.");
        }
        catch (JsonException)
        {
            throw new CliException($"'{path}' is not a BluBees backup file.");
        }

        if (header.FormatName != Format || header.Version != 1 || header.Iterations is < Iterations or > MaxIterations)
        {
            throw new CliException($"'{path}' is not a BluBees backup file this version can read.");
        }

        byte[] salt, data;
        try
        {
            salt = Convert.FromBase64String(header.Salt ?? string.Empty);
            data = Convert.FromBase64String(header.Data ?? string.Empty);
        }
        catch (FormatException)
        {
            throw new CliException("cannot decrypt the backup: the file was altered (its salt or data is not base64).");
        }

        var key = DeriveKey(passphrase, salt, header.Iterations);
        byte[] plaintext;
        try
        {
            plaintext = Aead.Open(key, data, Aad(header));
        }
        catch (CryptographicException)
        {
            throw new CliException("cannot decrypt the backup: wrong passphrase or key file, or the file was altered.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        try
        {
            var backup = Content(path, plaintext);
            return backup.Version == TenantBackup.CurrentVersion
                ? backup
                : throw new CliException($"'{path}' holds a backup of format version {backup.Version}; this version of blubees restores version {TenantBackup.CurrentVersion} only (restore it with the release that wrote it, or a newer one).");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// The backup's content, read strictly (what a restore writes is not guessed at). One a later release wrote with a
    /// member this one does not know is refused naming its format version (before, the read threw and the command
    /// crashed with a stack trace).
    /// </summary>
    private static TenantBackup Content(string path, byte[] plaintext)
    {
        try
        {
            return JsonSerializer.Deserialize<TenantBackup>(plaintext, JsonDefaults.Options) ?? throw new CliException("The backup is empty.");
        }
        catch (JsonException)
        {
            var version = VersionOf(plaintext);
            throw new CliException(version is { } v && v != TenantBackup.CurrentVersion
                ? $"'{path}' holds a backup of format version {v}; this version of blubees restores version {TenantBackup.CurrentVersion} only (restore it with the release that wrote it, or a newer one)."
                : $"'{path}' holds a backup this version of blubees cannot read (written by a newer release, with content this one does not know); restore it with the release that wrote it, or a newer one.");
        }
    }

    private static int? VersionOf(byte[] plaintext)
    {
        try
        {
            using var document = JsonDocument.Parse(plaintext);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("version", out var version) && version.TryGetInt32(out var v) ? v : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] DeriveKey(string passphrase, byte[] salt, int iterations)
        => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(passphrase), salt, iterations, HashAlgorithmName.SHA256, Aead.KeySize);

    private static string Aad(Header header) => $"{header.FormatName}/v{header.Version}|{header.Kdf}|{header.Iterations}|{header.Salt}|{header.Cipher}";

    private sealed record Header(
        [property: JsonPropertyName("format")] string FormatName,
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("kdf")] string Kdf,
        [property: JsonPropertyName("iterations")] int Iterations,
        [property: JsonPropertyName("salt")] string Salt,
        [property: JsonPropertyName("cipher")] string Cipher,
        [property: JsonPropertyName("data")] string Data);
}
