namespace BluBees.Cli.Operator;

/// <summary>
/// Reads an operator's input file whole, bounded: a file larger than <c>maxBytes</c> is refused before it is read, and
/// so is one that holds more than its size says (a device such as <c>/dev/zero</c>, a pipe, a file still growing),
/// which <see cref="File.ReadAllBytes(string)"/> would read until the process ran out of memory.
/// </summary>
internal static class OperatorFiles
{
    /// <summary>Larger than any backup a tenant's limits allow (500 rules, 200 connections, their versions).</summary>
    public const long MaxBackupBytes = 1L << 30;

    /// <summary>A passphrase file holds one line.</summary>
    public const long MaxKeyFileBytes = 64 * 1024;

    public static byte[] Read(string path, long maxBytes, string option)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"{option}: '{path}' does not exist.");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new CliException($"{option}: '{path}' cannot be read ({ex.GetType().Name}).");
        }

        using (stream)
        {
            var length = stream.Length;
            if (length > maxBytes)
            {
                throw new CliException($"{option}: '{path}' is {length:N0} bytes, more than the {maxBytes:N0} such a file can have.");
            }

            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            if (stream.ReadByte() != -1)
            {
                throw new CliException($"{option}: '{path}' is not a regular file (it holds more than its size says: a device, a pipe or a file still being written).");
            }

            return bytes;
        }
    }
}
