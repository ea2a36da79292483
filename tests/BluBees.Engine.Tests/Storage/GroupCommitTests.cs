using System.Text.Json.Nodes;
using BluBees.Engine.Hosting;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// The run queue's group commit (<see cref="SqliteWriter"/>): concurrent writes share transactions, yet each one
/// succeeds or fails on its own, and what a caller was told is committed is in the file for a new reader.
/// </summary>
public sealed class GroupCommitTests
{
    private const string Tenant = "ari:cloud:ecosystem::installation/group-commit";
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Test]
    public async Task Concurrent_accepts_are_all_committed_and_a_failing_one_fails_alone()
    {
        using var dir = new TempDirectory();
        List<string> accepted;
        await using (var services = Instance(dir))
        {
            await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(Tenant, "cloud", null), Ct);
            var queue = services.GetRequiredService<SqliteRunQueue>();
            var ids = Enumerable.Range(0, 40).Select(i => "msg-" + i).ToList();
            // The same id twice: the run_queue's UNIQUE id makes the second insert fail inside its batch.
            var writes = ids.Append(ids[7]).Select(id => Task.Run(() => queue.EnqueueAsync(Message(id), Ct).AsTask())).ToList();
            var outcomes = await Task.WhenAll(writes.Select(async w =>
            {
                try
                {
                    await w;
                    return true;
                }
                catch (SqliteException)
                {
                    return false;
                }
            }));

            Assert.That(outcomes.Count(o => !o), Is.EqualTo(1), "only the duplicate id failed");
            accepted = ids;
        }

        // A fresh reader (the providers are gone, the pool cleared): every accepted message is in the file, once.
        SqliteConnection.ClearAllPools();
        await using var reader = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "blubees.db")};Pooling=False");
        await reader.OpenAsync();
        await using var command = reader.CreateCommand();
        command.CommandText = "SELECT id FROM run_queue ORDER BY id;";
        var stored = new List<string>();
        await using (var rows = await command.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                stored.Add(rows.GetString(0));
            }
        }

        Assert.That(stored, Is.EquivalentTo(accepted));
    }

    [Test]
    public async Task Under_continuous_group_commits_the_wal_starts_over_instead_of_growing()
    {
        // The WAL file only starts over when a writer begins with every frame copied into the main file
        // (https://www.sqlite.org/wal.html#avoiding_excessively_large_wal_files). A checkpoint scheme that copies beside
        // a writer that never pauses lets it grow without bound (tried and reverted: 95,121 frames in the bench).
        // Waves of 4 concurrent accepts keep the writer committing (8,000 accepts: a WAL that never starts over passes
        // 60 MB); the WAL must stay within the writer's forced restart (SqliteCheckpointer.ForcedRestartFrames) and a batch.
        using var dir = new TempDirectory();
        await using var services = Instance(dir);
        await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(Tenant, "cloud", null), Ct);
        var queue = services.GetRequiredService<SqliteRunQueue>();
        var wal = Path.Combine(dir.Path, "blubees.db-wal");
        long largest = 0;
        for (var wave = 0; wave < 2000; wave++)
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(i => queue.EnqueueAsync(Message($"wal-{wave}-{i}"), Ct).AsTask()));
            largest = Math.Max(largest, new FileInfo(wal).Length);
        }

        // Control: enough was written that a WAL that never starts over would be well past the bound.
        await using var reader = new SqliteConnection($"Data Source={Path.Combine(dir.Path, "blubees.db")}");
        await reader.OpenAsync();
        await using var command = reader.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM run_queue;";
        Assert.That(Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(8000));
        Assert.That(largest, Is.LessThan((SqliteCheckpointer.ForcedRestartFrames + 2_000) * 4_120L), "the WAL file started over (frames are a 4,096-byte page plus a 24-byte header)");
    }

    private static RunMessage Message(string id)
        => new(new TenantContext(Tenant, "cloud", null), RunSource.Manual, new JsonObject { ["n"] = id }.ToJsonString(), DateTimeOffset.UtcNow, Id: id);

    private static ServiceProvider Instance(TempDirectory dir)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir.Path,
            ["Runs:PerTenantQueuePercent"] = "100", // one tenant's 8,000 accepts: the per-tenant share is not under test here
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        return services.BuildServiceProvider();
    }
}
