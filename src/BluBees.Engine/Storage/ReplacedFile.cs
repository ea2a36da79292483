using System.Runtime.InteropServices;

namespace BluBees.Engine.Storage;

/// <summary>
/// A secret-bearing file about to be replaced by a rename over it (the key ring, a backup file): <see cref="Open"/> it
/// before the rename, <see cref="Shred"/> it after. The rename only unlinks the old file: its bytes stay in its blocks for
/// whatever still reaches them (another hard link to it, such as a hard-link snapshot of the directory as rsnapshot or
/// <c>cp -al</c> make; an open handle; the disk's free space). Overwriting them with zeros through the handle taken
/// before the rename reaches that inode once no path names it, while every reader opening the path sees the new file.
/// <para>
/// A process killed between the rename and the zeroing left the old file whole, and nothing named it any more, so
/// nothing could zero it later. <see cref="Replace"/> names it beside the file until its zeroing is done
/// (<see cref="ReplacedName"/>, a hard link taken before the rename), and <see cref="Recover"/> finishes a replacement a
/// dead process left, before the next one begins and at a start (<c>KilledRetireRingTests</c>; a backup export's
/// at the next export to its path, <c>KilledBackupExportTests</c>).
/// </para>
/// </summary>
public static partial class ReplacedFile
{
    /// <summary>The file at <paramref name="path"/>, opened for writing (sharing everything); null when there is none.</summary>
    public static FileStream? Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Overwrites the whole content with zeros, flushed to disk. Call it once the new file is renamed into place.</summary>
    public static void Shred(FileStream replaced)
    {
        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        replaced.Position = 0;
        for (var left = replaced.Length; left > 0; left -= zeros.Length)
        {
            replaced.Write(zeros[..(int)Math.Min(left, zeros.Length)]);
        }

        replaced.Flush(flushToDisk: true);
    }

    /// <summary>The name the replaced file keeps beside <paramref name="path"/> from before the rename until it is zeroed.</summary>
    public static string ReplacedName(string path) => path + ".replaced";

    /// <summary>
    /// Renames <paramref name="temp"/> (written and flushed) over <paramref name="path"/> and zeroes the file it replaces.
    /// The caller holds the writers' lock and has called <see cref="Recover"/> before writing <paramref name="temp"/>.
    /// </summary>
    public static void Replace(string temp, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        using var replaced = Open(path);
        var named = replaced is not null && Name(path, ReplacedName(path));
        if (named)
        {
            DirectorySync.Flush(directory); // the name is on disk before the rename that it outlives
        }

        File.Move(temp, path, overwrite: true);
        // The rename itself on disk: without it a power loss could bring back the file it replaced.
        DirectorySync.Flush(directory);
        if (replaced is not null)
        {
            Shred(replaced);
        }

        if (named)
        {
            File.Delete(ReplacedName(path));
            DirectorySync.Flush(directory);
        }
    }

    /// <summary>
    /// Finishes a <see cref="Replace"/> of <paramref name="path"/> that a dead process left: when the replaced file is
    /// still named beside it, it is zeroed if the rename was made (<paramref name="temp"/> is gone: the rename consumed it),
    /// and only its extra name removed if not (the name is then a second name of the file still in place). Call it under
    /// the writers' lock, before a new <paramref name="temp"/> is written.
    /// </summary>
    public static void Recover(string path, string temp)
    {
        var name = ReplacedName(path);
        if (!File.Exists(name))
        {
            return;
        }

        if (!File.Exists(temp))
        {
            using var replaced = Open(name);
            if (replaced is not null)
            {
                Shred(replaced);
            }
        }

        File.Delete(name);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }

    /// <summary>
    /// <see cref="Recover(string, string)"/> for a writer whose temporary file has no fixed name (a backup export: each
    /// writes its own), so its absence tells nothing: whether the rename was made is told by the content instead. Not
    /// made, the replaced name is a second name of the file still at <paramref name="path"/> (the same bytes): only the
    /// name goes. Made, <paramref name="path"/> holds the new file (a backup is sealed under a fresh salt, so its bytes
    /// differ) or nothing: the replaced file is zeroed. Call it before a new replacement of <paramref name="path"/>.
    /// </summary>
    public static void Recover(string path)
    {
        var name = ReplacedName(path);
        if (!File.Exists(name))
        {
            return;
        }

        if (!SameContent(name, path))
        {
            using var replaced = Open(name);
            if (replaced is not null)
            {
                Shred(replaced);
            }
        }

        File.Delete(name);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }

    private static bool SameContent(string first, string second)
    {
        try
        {
            using var a = new FileStream(first, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var b = new FileStream(second, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (a.Length != b.Length)
            {
                return false;
            }

            var bufferA = new byte[64 * 1024];
            var bufferB = new byte[bufferA.Length];
            int read;
            while ((read = a.ReadAtLeast(bufferA, bufferA.Length, throwOnEndOfStream: false)) > 0)
            {
                if (b.ReadAtLeast(bufferB, read, throwOnEndOfStream: false) != read || !bufferA.AsSpan(0, read).SequenceEqual(bufferB.AsSpan(0, read)))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Gives the file at <paramref name="path"/> a second name (a hard link: .NET has none, so through libc); false where
    /// there is no such call (Windows: the replaced file is zeroed through its handle only, as before).
    /// </summary>
    private static bool Name(string path, string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return false;
        }

        if (Link(path, name) != 0)
        {
            throw new IOException($"The file '{path}' being replaced could not be given its recovery name '{name}' (errno {Marshal.GetLastPInvokeError()}); nothing was replaced.");
        }

        return true;
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string name);
}
