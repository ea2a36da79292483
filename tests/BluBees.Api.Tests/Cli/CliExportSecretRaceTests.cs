using System.Text.Json;
using BluBees.Api.Tests.Harness;
using BluBees.Cli.Operator;
using BluBees.Engine.Connections;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// <c>blubees backup export</c> beside a running backend: a connection the admin deletes or whose secret the admin
/// replaces after the export read it, before it opened the secret. The secret read is shredded with its key share
/// (docs/security.md, "Deleting or replacing a secret"), so the open fails; before, that failed the whole export. The
/// export now reads the item again: a deleted connection is left out, a replaced secret is exported as it is now.
/// </summary>
public sealed class CliExportSecretRaceTests : BackendFixture
{
    [TestCase(true)]
    [TestCase(false)]
    public async Task A_secret_deleted_or_replaced_while_the_export_runs_is_left_out_or_exported_as_it_is_now(bool delete)
    {
        var tenant = Samples.NewTenant();
        var store = Backend.Services.GetRequiredService<IStore>();
        var cipher = Backend.Services.GetRequiredService<SecretCipher>();
        var connections = Backend.Services.GetRequiredService<ConnectionService>();
        var body = Samples.Connection(ThirdParty.Address, Samples.Canary("old"));
        var id = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, body, 201))["id"]!.GetValue<string>();
        var kept = Samples.Canary("kept");
        await CreateConnectionAsync(tenant, kept);
        var replacement = Samples.Canary("new");
        var racing = new RacingStore(store, Keys.ConnectionPrefix, async () =>
        {
            if (delete)
            {
                Assert.That(await connections.DeleteAsync(new TenantId(tenant), id, CancellationToken.None), Is.True);
            }
            else
            {
                body["secret"] = replacement;
                var edit = JsonSerializer.Deserialize<ConnectionInput>(body.ToJsonString(), JsonDefaults.Options)!;
                Assert.That((await connections.UpdateAsync(new TenantId(tenant), id, edit, CancellationToken.None)).Value, Is.Not.Null);
            }
        });

        var backup = await new BackupExporter(racing, cipher, TimeProvider.System).ExportAsync(new TenantId(tenant), CancellationToken.None);

        var secrets = backup.Items.Where(i => i.Sk.StartsWith(Keys.ConnectionPrefix, StringComparison.Ordinal)).ToDictionary(i => i.Sk, i => i.Secret);
        Assert.That(secrets.Values, Does.Contain(kept), "the other connection is exported");
        if (delete)
        {
            Assert.That(secrets.Keys, Does.Not.Contain(Keys.Connection(id)), "the deleted connection is left out");
        }
        else
        {
            Assert.That(secrets[Keys.Connection(id)], Is.EqualTo(replacement), "the replaced secret is exported as it is now");
        }
    }

    /// <summary>Runs <paramref name="race"/> once, after the first page under <paramref name="prefix"/> was read.</summary>
    private sealed class RacingStore(IStore inner, string prefix, Func<Task> race) : IStore
    {
        private int _raced;

        public async Task<QueryPage> QueryAsync(QueryRequest request, CancellationToken ct)
        {
            var page = await inner.QueryAsync(request, ct);
            if (request.SkPrefix == prefix && page.Items.Count > 0 && Interlocked.Exchange(ref _raced, 1) == 0)
            {
                await race();
            }

            return page;
        }

        public Task<StoreItem?> GetAsync(string pk, string sk, CancellationToken ct) => inner.GetAsync(pk, sk, ct);

        public Task<bool> PutIfAbsentAsync(StoreItem item, CancellationToken ct) => inner.PutIfAbsentAsync(item, ct);

        public Task PutAsync(StoreItem item, CancellationToken ct) => inner.PutAsync(item, ct);

        public Task<bool> PutIfRevisionAsync(StoreItem item, long expectedRevision, CancellationToken ct) => inner.PutIfRevisionAsync(item, expectedRevision, ct);

        public Task<bool> DeleteAsync(string pk, string sk, CancellationToken ct) => inner.DeleteAsync(pk, sk, ct);

        public Task<bool> DeleteIfRevisionAsync(string pk, string sk, long expectedRevision, CancellationToken ct) => inner.DeleteIfRevisionAsync(pk, sk, expectedRevision, ct);

        public Task<int> DeletePartitionAsync(string pk, CancellationToken ct) => inner.DeletePartitionAsync(pk, ct);
    }
}
