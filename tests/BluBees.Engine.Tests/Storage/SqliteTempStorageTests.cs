using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// SQLite's temporary storage (temp tables, transient indices for sorting and grouping, statement journals) is by
/// default a file under <c>/var/tmp</c> named <c>etilqs_*</c>, unlinked at once but written to whenever it outgrows
/// the cache (https://www.sqlite.org/tempfiles.html). Rows copied there escape the database's
/// <c>secure_delete</c>: their blocks are freed, not overwritten. A <c>strace</c> of the bench also showed such a
/// file opened, unlinked and closed over and over. Every connection of the file keeps that storage in memory.
/// The probe is a temp table larger than the page cache (2 MB by default), which SQLite must spill.
/// </summary>
[NonParallelizable]
public sealed class SqliteTempStorageTests
{
    private const string Spill = """
        CREATE TEMP TABLE probe(x);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64)
        INSERT INTO probe SELECT randomblob(100000) FROM n;
        """;

    [Test]
    public void Every_connection_keeps_temporary_storage_in_memory()
    {
        using var dir = new TempDirectory();
        using var connection = SqliteFile.Open(SqliteFile.ConnectionString(dir.File("blubees.db")));

        Execute(connection, Spill);

        Assert.Multiple(() =>
        {
            Assert.That(OpenTempFiles(), Is.Empty, "a SQLite temp file is open: temp storage went to disk");
            Assert.That(Scalar(connection, "PRAGMA temp_store;"), Is.EqualTo(2), "temp_store is not MEMORY");
        });
    }

    /// <summary>The control: without the pragma the same probe opens a temp file, so the scan above can see one.</summary>
    [Test]
    public void Without_the_pragma_the_probe_spills_to_a_temp_file()
    {
        using var dir = new TempDirectory();
        using var connection = new SqliteConnection(SqliteFile.ConnectionString(dir.File("blubees.db")));
        connection.Open();

        Execute(connection, Spill);

        Assert.That(OpenTempFiles(), Is.Not.Empty);
    }

    /// <summary>This process's open files that are SQLite temp files (unlinked, so only /proc still names them).</summary>
    private static string[] OpenTempFiles() =>
    [
        .. new DirectoryInfo("/proc/self/fd").EnumerateFiles()
            .Select(fd => { try { return fd.LinkTarget; } catch (IOException) { return null; } })
            .OfType<string>()
            .Where(target => target.Contains("etilqs_", StringComparison.Ordinal)),
    ];

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
