using System.Runtime.InteropServices;

namespace BluBees.Engine.Storage;

/// <summary>
/// Makes a directory's entries durable: after a file is created, renamed into place or deleted, the file's own flush
/// does not write the directory entry, so a power loss (not a process crash) may lose a just-written key share (a
/// tenant's secrets unopenable) or bring back a deleted one (a shredded tenant's key openable again from an old copy).
/// On Linux and macOS the directory is opened read-only and <c>fsync</c>ed (.NET refuses to open a directory as a file,
/// so through libc). On Windows nothing is done (NTFS journals its metadata; there is no directory flush).
/// </summary>
internal static partial class DirectorySync
{
    /// <summary>For tests: each directory flushed, after its <c>fsync</c> returned.</summary>
    internal static event Action<string>? Flushed;

    /// <summary>Flushes <paramref name="directory"/>'s entries to disk. Throws <see cref="IOException"/> when it cannot.</summary>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0); // O_RDONLY, the same on Linux and macOS
        if (fd < 0)
        {
            throw new IOException($"The directory '{directory}' could not be opened to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"The directory '{directory}' could not be flushed to disk (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }

        Flushed?.Invoke(directory);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
