using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>The embedded database file, as the store and the run queue open it.</summary>
internal static class SqliteFile
{
    /// <summary>
    /// Creates the file owner-only (0600) before SQLite first opens it, because SQLite gives its <c>-wal</c> and
    /// <c>-shm</c> files the main file's mode, and returns the pooled connection string both users share.
    /// </summary>
    public static string ConnectionString(string path)
    {
        OwnerOnlyFile.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            using (OwnerOnlyFile.Create(path))
            {
            }
        }

        return new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }
}
