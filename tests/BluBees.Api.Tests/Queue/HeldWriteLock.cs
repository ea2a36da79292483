using BluBees.Engine.Runs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Queue;

/// <summary>What a request got while another process held the SQLite file's write lock.</summary>
internal sealed record HeldWriteLockAnswer(System.Net.HttpStatusCode Status, string Body, bool RetryAfter, bool AnsweredWhileHeld);

/// <summary>
/// Another process holding the store's write lock (an operator's <c>sqlite3</c> shell, a backup tool): a second
/// connection to the file holds <c>BEGIN IMMEDIATE</c> while a request is sent, the injected clock is moved past the
/// accept's wait until the request is answered (or a generous 25 s of wall time, below the store's 30 s command
/// timeout, after which the build before the fix answered only once the lock came free), then the lock is released.
/// </summary>
internal static class HeldWriteLock
{
    public static async Task<HeldWriteLockAnswer> SendAsync(string dataDirectory, FakeTimeProvider clock, Func<Task<HttpResponseMessage>> send)
    {
        await using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "blubees.db"), Pooling = false }.ToString());
        await other.OpenAsync();
        await ExecuteAsync(other, "BEGIN IMMEDIATE;");

        var accept = send();
        var giveUp = DateTime.UtcNow + TimeSpan.FromSeconds(25);
        while (!accept.IsCompleted && DateTime.UtcNow < giveUp)
        {
            clock.Advance(SqliteRunQueue.AcceptLockWait + TimeSpan.FromSeconds(1));
            await Task.WhenAny(accept, Task.Delay(250));
        }

        var answeredWhileHeld = accept.IsCompleted;
        await ExecuteAsync(other, "ROLLBACK;");

        using var response = await accept;
        return new HeldWriteLockAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter is not null, answeredWhileHeld);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
