namespace BluBees.Engine.Storage;

/// <summary>
/// A secret-bearing file about to be replaced by a rename over it (the key ring, a backup file): <see cref="Open"/> it
/// before the rename, <see cref="Shred"/> it after. The rename only unlinks the old file: its bytes stay in its blocks for
/// whatever still reaches them (another hard link to it, such as a hard-link snapshot of the directory as rsnapshot or
/// <c>cp -al</c> make; an open handle; the disk's free space). Overwriting them with zeros through the handle taken
/// before the rename reaches that inode once no path names it, while every reader opening the path sees the new file.
/// </summary>
public static class ReplacedFile
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
}
