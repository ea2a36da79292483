using BluBees.Api.Tests.Harness;
using Microsoft.Data.Sqlite;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// Upgrades and roll-backs of the embedded store: the SQLite file carries its schema version
/// (<c>PRAGMA user_version</c>). A file of the previous release (version 0: nothing stamped) opens and keeps its data;
/// a file a newer release has written is refused at start, naming the file and both versions, and left untouched,
/// instead of an older backend writing into a layout it does not know. The real backend on Kestrel.
/// </summary>
public sealed class SqliteSchemaVersionTests
{
    private const long CurrentVersion = 1;

    [Test]
    public async Task A_file_of_the_previous_release_opens_with_its_data_and_is_stamped()
    {
        await using var issuer = await TestIssuer.StartAsync();
        var dataDirectory = NewDirectory();
        var tenant = Samples.NewTenant();
        await using (var first = await StartAsync(issuer, dataDirectory))
        {
            await first.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "Orders" }, 201);
        }

        Assert.That(UserVersion(dataDirectory), Is.EqualTo(CurrentVersion), "a file this release writes carries its version");
        SetUserVersion(dataDirectory, 0); // what every release before the stamp left

        await using var upgraded = await StartAsync(issuer, dataDirectory);
        var hooks = await upgraded.JsonAsync(HttpMethod.Get, "/api/webhooks", tenant);
        Assert.Multiple(() =>
        {
            Assert.That(hooks.ToJsonString(), Does.Contain("\"Orders\""), "the data of the older file");
            Assert.That(UserVersion(dataDirectory), Is.EqualTo(CurrentVersion));
        });
    }

    [Test]
    public async Task A_file_of_a_newer_release_is_refused_at_start_and_left_untouched()
    {
        await using var issuer = await TestIssuer.StartAsync();
        var dataDirectory = NewDirectory();
        await using (await StartAsync(issuer, dataDirectory))
        {
        }

        SetUserVersion(dataDirectory, CurrentVersion + 1); // a roll-back after a newer release changed the layout

        InvalidOperationException? failure = null;
        try
        {
            await (await StartAsync(issuer, dataDirectory)).DisposeAsync();
        }
        catch (InvalidOperationException ex)
        {
            failure = ex;
        }

        Assert.That(failure, Is.Not.Null, "the start is refused");
        Assert.Multiple(() =>
        {
            Assert.That(failure!.Message, Does.Contain("Storage:DataDirectory"));
            Assert.That(failure.Message, Does.Contain(Path.Combine(dataDirectory, "blubees.db")));
            Assert.That(failure.Message, Does.Contain($"schema version {CurrentVersion + 1}"));
            Assert.That(failure.Message, Does.Contain($"up to {CurrentVersion}"));
            Assert.That(UserVersion(dataDirectory), Is.EqualTo(CurrentVersion + 1), "the newer file is not changed");
        });
    }

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "blubees-tests", "schema-" + Guid.NewGuid().ToString("N"));

    private static Task<BackendHost> StartAsync(TestIssuer issuer, string dataDirectory)
        => BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory });

    private static SqliteConnection OpenFile(string dataDirectory)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDirectory, "blubees.db"),
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static long UserVersion(string dataDirectory)
    {
        using var connection = OpenFile(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return (long)command.ExecuteScalar()!;
    }

    private static void SetUserVersion(string dataDirectory, long version)
    {
        using var connection = OpenFile(dataDirectory);
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA user_version = {version};";
        command.ExecuteNonQuery();
    }
}
