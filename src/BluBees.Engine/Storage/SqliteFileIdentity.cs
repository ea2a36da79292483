using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace BluBees.Engine.Storage;

/// <summary>
/// Whether the file a connection opened is still the file its path names, as SQLite itself tells it
/// (<c>sqlite3_file_control(SQLITE_FCNTL_HAS_MOVED)</c>, https://www.sqlite.org/c3ref/c_fcntl_begin_atomic_write.html:
/// the unix VFS <c>stat</c>s the path and compares its inode with the open file's; a path that no longer exists counts
/// as moved). A file deleted, renamed away or replaced (a copy renamed over it, as restore and sync tools do) under
/// a running backend keeps being read and written through the connections that have it open, and all of that is lost
/// at the next start; a connection opened by the path afterwards sees another file. One <c>stat</c> per call.
/// </summary>
internal static class SqliteFileIdentity
{
    private const int HasMovedOp = 20; // SQLITE_FCNTL_HAS_MOVED (sqlite3.h), since SQLite 3.8.3
    private const int SqliteOk = 0;
    private static readonly byte[] MainSchema = "main\0"u8.ToArray();

    // Through the SQLite library Microsoft.Data.Sqlite loaded (SQLitePCLRaw's e_sqlite3), which exports it; its
    // managed binding (SQLitePCL.raw) does not. Resolved once; null where the library or the export is not found.
    private static readonly Lazy<FileControl?> Control = new(Load);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int FileControl(IntPtr db, byte[] schema, int op, ref int arg);

    /// <summary>
    /// True when the connection's main file is no longer the file at its path; false when it is, and when SQLite cannot
    /// tell (a VFS without the check, as on Windows, where an open file cannot be deleted anyway).
    /// </summary>
    public static bool HasMoved(SqliteConnection connection)
    {
        if (Control.Value is not { } control)
        {
            return false;
        }

        var moved = 0;
        var rc = control(connection.Handle!.DangerousGetHandle(), MainSchema, HasMovedOp, ref moved);
        GC.KeepAlive(connection);
        return rc == SqliteOk && moved != 0;
    }

    /// <summary>Whether this process can ask (the library and its export were found).</summary>
    public static bool Available => Control.Value is not null;

    private static FileControl? Load()
    {
        foreach (var name in new[] { "e_sqlite3", "libe_sqlite3" })
        {
            if (NativeLibrary.TryLoad(name, typeof(SQLitePCL.raw).Assembly, null, out var library)
                && NativeLibrary.TryGetExport(library, "sqlite3_file_control", out var export))
            {
                return Marshal.GetDelegateForFunctionPointer<FileControl>(export);
            }
        }

        return null;
    }
}
