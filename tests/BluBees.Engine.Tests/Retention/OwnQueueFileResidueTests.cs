using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using BluBees.Engine.Hosting;
using BluBees.Engine.Retention;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Retention;

/// <summary>
/// The SQLite run queue in a file of its own: the store is another provider's (<c>Storage:Provider=DynamoDb</c> with the
/// default <c>Queue:Provider=InProcess</c>, a combination the provider switch accepts). The retention service returned at
/// once for a store that expires items itself, so nothing ever truncated the queue file's WAL: the ciphertext of every
/// finished run's message (the event's payload and the Forge system token, under the tenant's live data key) stayed in
/// the <c>-wal</c> file until overwritten, with no bound. Each retention round now erases that file's WAL (and rebuilds
/// it once per <c>Retention:RebuildInterval</c>), as the embedded store's purge does for a shared file.
/// </summary>
public sealed class OwnQueueFileResidueTests
{
    private const string Tenant = "ari:cloud:ecosystem::installation/own-queue-file";
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Test]
    public async Task A_queue_file_of_its_own_keeps_no_finished_message_after_the_retention_round()
    {
        using var storeDir = new TempDirectory();
        using var queueDir = new TempDirectory();
        using var sqlite = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = storeDir.Path }), TimeProvider.System);
        await using var services = Instance(queueDir, new ForeignStore(sqlite));
        await services.GetRequiredService<TenantService>().InstallAsync(new TenantContext(Tenant, "cloud", null), Ct);
        var queue = services.GetRequiredService<SqliteRunQueue>();
        Assert.That(queue.SharesStore, Is.False, "the queue has a file of its own");
        var finished = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var payload = new JsonObject { ["canary"] = "OWN-QUEUE-PAYLOAD-" + i, ["pad"] = new string('p', 200 + (i * 37 % 900)) }.ToJsonString();
            await queue.EnqueueAsync(new RunMessage(new TenantContext(Tenant, "cloud", null), RunSource.Manual, payload, DateTimeOffset.UtcNow, Id: "own-" + i), Ct);
            foreach (var message in await queue.ClaimManyAsync(4, new Dictionary<string, int>(), 1000, null, Ct))
            {
                finished.Add(message.Body.Substring(message.Body.Length / 2, 32)); // a distinctive part of its ciphertext
                await queue.CompleteAsync(message, [], Ct);
            }
        }

        Assert.That(FileScan.Find(FileScan.Under(queueDir.Path), finished), Is.Not.Empty, "control: before the round the queue file's WAL holds the finished messages");
        Assert.That(FileScan.Find(FileScan.Under(queueDir.Path), ["OWN-QUEUE-PAYLOAD-"]), Is.Empty, "a payload in clear in the queue's file");

        var retention = services.GetServices<IHostedService>().OfType<RetentionService>().Single();
        await retention.StartAsync(Ct);
        try
        {
            // The round runs at start; wait for its outcome, not for a time.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (FileScan.Find(FileScan.Under(queueDir.Path), finished).Count > 0 && !deadline.IsCancellationRequested && retention.ExecuteTask is { IsCompleted: false })
            {
                await Task.Delay(20, CancellationToken.None);
            }

            Assert.That(FileScan.Find(FileScan.Under(queueDir.Path), finished), Is.Empty, "a finished run's message ciphertext is still in the queue's own file after the retention round");
        }
        finally
        {
            await retention.StopAsync(Ct);
        }
    }

    private static ServiceProvider Instance(TempDirectory dir, IStore store)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir.Path,
            ["Runs:PerTenantQueuePercent"] = "100",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);
        services.AddBluBeesStorage(config).AddBluBeesKeys(config).AddBluBeesEngine(config).AddEmbeddedProviders();
        services.AddSingleton(store); // another provider's store: neither the queue's file nor an expired-item purger
        return services.BuildServiceProvider();
    }

    /// <summary>Stands for a store of another provider (DynamoDB): it purges nothing and is not the queue's file.</summary>
    private sealed class ForeignStore(IStore inner) : DelegatingStore(inner);
}
