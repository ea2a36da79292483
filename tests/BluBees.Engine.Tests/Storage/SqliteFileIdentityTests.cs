using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// <see cref="SqliteFileIdentity"/>: SQLite's own answer to "is the file this connection opened still the one at its
/// path?", which the health probe asks of the store's anchor connection.
/// </summary>
public sealed class SqliteFileIdentityTests
{
    [Test]
    public void The_file_in_place_has_not_moved_and_a_deleted_renamed_or_replaced_one_has()
    {
        Assert.That(SqliteFileIdentity.Available, Is.EqualTo(!OperatingSystem.IsWindows()), "the SQLite library the app loads exports sqlite3_file_control");
        Assume.That(OperatingSystem.IsWindows(), Is.False, "an open file cannot be deleted there");
        using var dir = new TempDirectory();

        using var inPlace = Open(dir.File("a.db"));
        Assert.That(SqliteFileIdentity.HasMoved(inPlace), Is.False, "nothing happened to it");

        using var deleted = Open(dir.File("b.db"));
        File.Delete(dir.File("b.db"));
        Assert.That(SqliteFileIdentity.HasMoved(deleted), Is.True, "deleted");
        File.WriteAllBytes(dir.File("b.db"), []);
        Assert.That(SqliteFileIdentity.HasMoved(deleted), Is.True, "deleted, and another file created at its path");

        using var renamed = Open(dir.File("c.db"));
        File.Move(dir.File("c.db"), dir.File("c-moved.db"));
        Assert.That(SqliteFileIdentity.HasMoved(renamed), Is.True, "renamed away");

        using var replaced = Open(dir.File("d.db"));
        File.Copy(dir.File("d.db"), dir.File("d.copy"));
        File.Move(dir.File("d.copy"), dir.File("d.db"), overwrite: true);
        Assert.That(SqliteFileIdentity.HasMoved(replaced), Is.True, "a copy renamed over it");
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (x); INSERT INTO t VALUES (1);";
        create.ExecuteNonQuery();
        return connection;
    }
}
