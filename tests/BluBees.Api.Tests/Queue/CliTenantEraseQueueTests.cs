using BluBees.Cli;
using BluBees.Cli.Operator;
using BluBees.Engine.Runs;
using Microsoft.Extensions.Configuration;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// <c>blubees tenants erase</c> deletes the tenant's messages waiting in the embedded queue (a table of the SQLite file),
/// as the backend's uninstall does (<c>SqliteRunQueue.PurgeTenantAsync</c>), and no other tenant's: the operator command
/// builds no queue of its own otherwise, and the messages (ciphertext under the shredded key, with the tenant's id in
/// clear) stayed in the file.
/// </summary>
public sealed class CliTenantEraseQueueTests
{
    [Test]
    public async Task Erase_purges_the_tenants_queued_messages_and_no_other()
    {
        await using var kit = QueueKit.Create();
        var gone = QueueKit.NewTenant();
        var other = QueueKit.NewTenant();
        var nowhere = new Uri("http://127.0.0.1:9/");
        await kit.RuleAsync(gone, nowhere);
        await kit.RuleAsync(other, nowhere);
        foreach (var (tenant, count) in new[] { (gone, 3), (other, 2) })
        {
            for (var i = 0; i < count; i++)
            {
                Assert.That(await kit.Ingress.IngestAsync(tenant, QueueKit.Event("OPS-" + i), null, null, CancellationToken.None), Is.EqualTo(IngestResult.Accepted));
            }
        }

        const string Queued = "SELECT COUNT(*) FROM run_queue WHERE tenant = $t";
        Assert.That(await kit.ScalarAsync(Queued, ("$t", gone.TenantId)), Is.EqualTo(3), "control: the tenant's messages wait (no worker runs)");

        using var output = new StringWriter();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = kit.DataDirectory }).Build();
        var exit = await OperatorCommands.TenantsEraseAsync(new CliArgs(["tenants", "erase", "--tenant", gone.TenantId, "--confirm", gone.TenantId]), configuration, output);

        Assert.That(exit, Is.Zero, output.ToString());
        Assert.Multiple(async () =>
        {
            Assert.That(await kit.ScalarAsync(Queued, ("$t", gone.TenantId)), Is.Zero, "the erased tenant's messages");
            Assert.That(await kit.ScalarAsync("SELECT COUNT(*) FROM run_queue_tenant_total WHERE tenant = $t", ("$t", gone.TenantId)), Is.Zero, "its totals row");
            Assert.That(await kit.ScalarAsync(Queued, ("$t", other.TenantId)), Is.EqualTo(2), "the other tenant's messages stay");
        });
    }
}
