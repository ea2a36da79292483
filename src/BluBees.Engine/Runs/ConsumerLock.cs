using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// One database file has one consuming backend: the worker reclaims every lease at start, so a second backend on
/// the same file (a deploy that starts the new process before the old one stopped) would run the old one's
/// in-flight messages a second time. The worker holds an exclusive lock on <c>&lt;database&gt;.lock</c> from its
/// start to the end of its drain; a second worker cannot take it and the backend refuses to start. The lock is the
/// OS's (on Unix <c>flock</c>, released by the kernel when the process dies, so <c>kill -9</c> leaves no stale lock).
/// Operator commands (<c>blubees keys</c>, <c>backup</c>) run no worker and do not take it.
/// </summary>
internal sealed class ConsumerLock : IDisposable
{
    private readonly FileStream _file;

    private ConsumerLock(FileStream file) => _file = file;

    public static ConsumerLock Take(string databasePath)
    {
        var path = databasePath + ".lock";
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile.Mode;
        }

        try
        {
            return new ConsumerLock(new FileStream(path, options));
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new BackendAlreadyRunningException(
                $"Another backend is running on the database {databasePath} (it holds {path}). One database file has one consuming backend: stop the other backend first (docs/operations.md).", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
