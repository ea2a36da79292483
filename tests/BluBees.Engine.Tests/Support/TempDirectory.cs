using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Tests.Support;

/// <summary>A fresh directory per test, removed afterwards (pooled SQLite handles are released first).</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("blubees-engine-tests-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A handle still open elsewhere only leaves a temp directory behind; it must not fail a test.
        }
    }
}
