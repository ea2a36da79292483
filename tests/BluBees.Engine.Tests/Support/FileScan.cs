using System.Text;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Tests.Support;

/// <summary>
/// Reads files as bytes and tells which needles (a canary, a ciphertext fragment, a wrapped key) are still in them: the
/// residue checks of deletion and shredding. Files are read while SQLite holds them open; one removed while listed (a
/// WAL a checkpoint deleted) holds nothing.
/// </summary>
internal static class FileScan
{
    /// <summary>The store's database, its <c>-wal</c> and its <c>-shm</c>.</summary>
    public static IEnumerable<string> SqliteFiles(SqliteStore store) => [store.DatabasePath, store.DatabasePath + "-wal", store.DatabasePath + "-shm"];

    /// <summary>Every file under <paramref name="directory"/>, in every subdirectory.</summary>
    public static IEnumerable<string> Under(string directory) => Directory.GetFiles(directory, "*", SearchOption.AllDirectories);

    /// <summary>"needle in file" for each needle found in each file.</summary>
    public static List<string> Find(IEnumerable<string> files, IEnumerable<string> needles) => Find(files, needles.Select(n => (n, n)));

    /// <summary>"label in file" for each needle found in each file.</summary>
    public static List<string> Find(IEnumerable<string> files, IEnumerable<(string Label, string Needle)> needles)
        => Find(files, needles.Select(n => (n.Label, Encoding.UTF8.GetBytes(n.Needle))));

    /// <summary>"label in file" for each byte sequence found in each file.</summary>
    public static List<string> Find(IEnumerable<string> files, IEnumerable<(string Label, byte[] Needle)> needles)
    {
        var wanted = needles.ToList();
        var found = new List<string>();
        foreach (var file in files)
        {
            byte[] bytes;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            found.AddRange(wanted.Where(n => bytes.AsSpan().IndexOf(n.Needle) >= 0).Select(n => $"{n.Label} in {Path.GetFileName(file)}"));
        }

        return found;
    }
}
