using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Tenancy;

/// <summary>
/// Uninstalls of the embedded store accepted but not finished: one file per installation in <c>uninstalling/</c> under
/// the data directory (0700; each file 0600, named by the SHA-256 of the tenant id, holding the tenant id), written
/// and flushed before the uninstall answers. Outside the SQLite file on purpose: another process holding its write lock
/// (an operator's <c>sqlite3</c> shell, a backup tool) cannot keep the uninstall from recording itself, and Forge
/// calls a preUninstall once, best effort, never again
/// (https://developer.atlassian.com/platform/forge/manifest-reference/modules/pre-uninstall-trigger/). While a file is
/// there the installation counts as uninstalled (<see cref="UninstalledInstallations.IsMarkedAsync"/>);
/// <see cref="PendingUninstallService"/> finishes the deletion at start and until it succeeds; the file is zeroed and
/// deleted only once everything of the tenant is.
/// </summary>
public sealed class PendingUninstalls : IDisposable
{
    public const string DirectoryName = "uninstalling";
    private readonly SemaphoreSlim _signal = new(0);

    public PendingUninstalls(IOptions<StorageOptions> options)
        : this(Path.Combine(options.Value.DataDirectory, DirectoryName))
    {
    }

    public PendingUninstalls(string directory) => Directory = Path.GetFullPath(directory);

    public string Directory { get; }

    /// <summary>Records the uninstall durably (file and directory entry flushed to disk) before anything is deleted.</summary>
    public void Record(TenantId tenantId)
    {
        OwnerOnlyFile.CreateDirectory(Directory);
        var path = PathOf(tenantId);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = OwnerOnlyFile.Create(temp))
        {
            stream.Write(Encoding.UTF8.GetBytes(tenantId.Value));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(Directory);
    }

    /// <summary>Whether an uninstall of the installation is recorded and not finished (one <c>stat</c>).</summary>
    public bool Contains(TenantId tenantId) => File.Exists(PathOf(tenantId));

    /// <summary>Every installation whose uninstall is recorded and not finished.</summary>
    public IReadOnlyList<TenantId> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        var tenants = new List<TenantId>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (file.EndsWith(".tmp", StringComparison.Ordinal))
            {
                // A record cut off before its rename: the uninstall never answered, and Forge does not wait on it. It
                // names the tenant: once surely not a record being written (both times the file system's), zeroed and
                // deleted, so that nothing names an installation after its uninstall's process died.
                ShredIfStale(file);
                continue;
            }

            try
            {
                var text = File.ReadAllText(file, Encoding.UTF8);
                if (text.Length > 0 && !text.Contains('\0', StringComparison.Ordinal) && string.Equals(Path.GetFileName(file), NameOf(text), StringComparison.Ordinal))
                {
                    tenants.Add(new TenantId(text));
                }
            }
            catch (FileNotFoundException)
            {
                // finished meanwhile
            }
        }

        return tenants;
    }

    /// <summary>How old a cut-off record must be before it is removed: far longer than a <see cref="Record"/> takes.</summary>
    internal static readonly TimeSpan StaleTemp = TimeSpan.FromMinutes(10);

    private static void ShredIfStale(string file)
    {
        try
        {
            // The file's time and "now" both from the file system's clock (the machine's), never the backend's.
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < StaleTemp)
            {
                return;
            }

            using (var stream = ReplacedFile.Open(file))
            {
                if (stream is null)
                {
                    return;
                }

                ReplacedFile.Shred(stream);
            }

            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // gone meanwhile, or not removable now: the next listing tries again
        }
    }

    /// <summary>Forgets a finished uninstall: its file zeroed (it names the tenant), then deleted, the deletion flushed.</summary>
    public void Complete(TenantId tenantId)
    {
        var path = PathOf(tenantId);
        using (var file = ReplacedFile.Open(path))
        {
            if (file is null)
            {
                return;
            }

            ReplacedFile.Shred(file);
        }

        File.Delete(path);
        DirectorySync.Flush(Directory);
    }

    /// <summary>Wakes <see cref="PendingUninstallService"/>: an uninstall was left to it.</summary>
    public void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (ObjectDisposedException)
        {
            // the host is stopping: the record stays, and the next start finishes it
        }
    }

    public void Dispose() => _signal.Dispose();

    /// <summary>Waits for <see cref="Signal"/> or <paramref name="interval"/> on <paramref name="time"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var signalled = _signal.WaitAsync(either.Token);
        var elapsed = Task.Delay(interval, time, either.Token);
        await Task.WhenAny(signalled, elapsed);
        await either.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }

    private string PathOf(TenantId tenantId) => Path.Combine(Directory, NameOf(tenantId.Value));

    private static string NameOf(string tenantId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tenantId)));
}
