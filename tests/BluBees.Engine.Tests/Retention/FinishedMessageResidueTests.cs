using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Hosting;
using BluBees.Engine.Retention;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Retention;

/// <summary>
/// A queued run message (the event's payload and the Forge system token, sealed under the tenant's live data key) is
/// deleted with its run's record. Its row is zeroed by secure_delete and its WAL frames are truncated by the next
/// retention purge; a b-tree rebalance of <c>run_queue</c>'s pages could leave a copy of the row in a page's
/// unallocated space, which the live data key still opens. Checked by an attack on deletion (messages of varied
/// sizes accepted, claimed in batches and finished out of order, several rounds): none was found after the purge, in
/// any file of the data directory; the control finds them all in the WAL before it.
/// </summary>
public sealed class FinishedMessageResidueTests
{
    private const string Tenant = "ari:cloud:ecosystem::installation/finished-residue";
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Test]
    public async Task Finished_runs_messages_leave_no_ciphertext_in_the_files_after_the_next_purge()
    {
        var beforePurge = new List<string>();
        var plaintext = new List<string>();
        var afterPurge = new List<string>();
        foreach (var seed in Enumerable.Range(1, 4))
        {
            var rnd = new Random(seed);
            using var dir = new TempDirectory();
            await using var services = Instance(dir);
            await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(Tenant, "cloud", null), Ct);
            var queue = services.GetRequiredService<SqliteRunQueue>();
            var finished = new List<string>();
            var n = 0;
            for (var wave = 0; wave < 80; wave++)
            {
                for (var i = 0; i < rnd.Next(1, 12); i++)
                {
                    var id = $"m-{seed}-{n++}";
                    var payload = new JsonObject { ["canary"] = "FINISHED-PAYLOAD-" + id, ["pad"] = Convert.ToHexString(Enumerable.Range(0, rnd.Next(10, 1800)).Select(_ => (byte)rnd.Next(256)).ToArray()) }.ToJsonString();
                    await queue.EnqueueAsync(new RunMessage(new TenantContext(Tenant, "cloud", null), RunSource.Manual, payload, DateTimeOffset.UtcNow, Id: id), Ct);
                }

                var claimed = await queue.ClaimManyAsync(rnd.Next(1, 10), new Dictionary<string, int>(), 1000, null, Ct);
                foreach (var message in claimed.OrderBy(_ => rnd.Next()))
                {
                    // A distinctive part of the stored ciphertext, away from its start.
                    finished.Add(message.Body.Substring(message.Body.Length / 2, 32));
                    await queue.CompleteAsync(message, [], Ct);
                }
            }

            var store = services.GetRequiredService<IStore>();
            var sqlite = (SqliteStore)store;
            beforePurge.AddRange(FileScan.Find(FileScan.Under(Path.GetDirectoryName(sqlite.DatabasePath)!), finished).Select(f => $"seed {seed}: {f}"));
            plaintext.AddRange(FileScan.Find(FileScan.Under(Path.GetDirectoryName(sqlite.DatabasePath)!), ["FINISHED-PAYLOAD-"]).Select(f => $"seed {seed}: {f}"));
            var time = services.GetRequiredService<TimeProvider>();
            await new RetentionPurger(sqlite, time, Options.Create(new RetentionOptions()), NullLogger<RetentionPurger>.Instance).PurgeAsync(Ct);
            afterPurge.AddRange(FileScan.Find(FileScan.Under(Path.GetDirectoryName(sqlite.DatabasePath)!), finished).Select(f => $"seed {seed}: {f}"));
        }

        Assert.That(plaintext, Is.Empty, "a payload in clear in a file of the data directory");
        Assert.That(beforePurge, Is.Not.Empty, "control: before the purge the WAL still holds the finished messages' rows");
        Assert.That(afterPurge, Is.Empty, "a finished run's message ciphertext is still in the SQLite files after the next purge");
    }

    private static ServiceProvider Instance(TempDirectory dir)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir.Path,
            ["Runs:PerTenantQueuePercent"] = "100",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        return services.BuildServiceProvider();
    }
}
