using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using BluBees.Aws.Tests.Dynalite;
using BluBees.Aws.Tests.Fakes;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Aws.Tests.Storage;

/// <summary>
/// An uninstall whose partition delete DynamoDB refuses part way (Forge's preUninstall is not retried) leaves items
/// that expire by themselves, run records among them. A support grant must not be one of them: it would let support
/// staff go on reading the uninstalled tenant's leftover run log (and write new audit entries into its partition) for
/// as long as the grant had to run.
/// </summary>
[TestFixture]
public sealed class UninstallSupportGrantTests
{
    private TestIssuer _forge = null!;
    private SupportIssuer _idp = null!;
    private DynamoDbTable _table = null!;
    private DynamoDbFaultProxy _proxy = null!;
    private BackendHost _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _forge = await TestIssuer.StartAsync();
        _idp = await SupportIssuer.StartAsync();
        _table = await DynamoDbTable.CreateAsync();
        _proxy = await DynamoDbFaultProxy.StartAsync(_table.Url);
        var settings = _table.Settings();
        settings["Storage:DynamoDbServiceUrl"] = _proxy.Address.ToString();
        foreach (var (key, value) in _idp.Settings())
        {
            settings[key] = value;
        }

        _api = await BackendHost.StartAsync(_forge, settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _proxy.DisposeAsync();
        _table.Dispose();
        await _idp.DisposeAsync();
        await _forge.DisposeAsync();
    }

    [Test]
    public async Task A_partition_delete_refused_among_the_run_pointers_has_already_removed_the_support_grants()
    {
        var tenant = Samples.NewTenant();
        await _api.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 24 }, 201);
        var store = _api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        var expires = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds();
        // Run pointers sort after the grant ("GRANT#…" < "IRUNI#…"), more than one batch of deletes.
        await store.PutManyAsync([.. Enumerable.Range(0, 60).Select(i => new StoreItem(pk, Keys.IssueRun("10001", $"run-{i:D3}"), "{}", expires))], default);
        Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.OK), "control: the grant lets support in");
        Proxy(fail: true);

        using var response = await _api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);

        Proxy(fail: false);
        var audited = await CountAsync(store, pk, Keys.AuditPrefix);
        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the delete was refused part way");
            Assert.That(await CountAsync(store, pk, Keys.IssueRunPrefix("10001")), Is.GreaterThan(0), "control: run pointers are left");
            Assert.That(await CountAsync(store, pk, Keys.GrantPrefix), Is.Zero, "no grant left behind");
            Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.Forbidden), "support cannot read the uninstalled tenant's leftovers");
            Assert.That(await CountAsync(store, pk, Keys.AuditPrefix), Is.EqualTo(audited), "nothing new written into the uninstalled tenant's partition");
        });
    }

    /// <summary>
    /// The delete refused at its first range (the grants): everything but the data key is left, the grant included. The
    /// installation is marked uninstalled before anything is deleted, and support must not read it while it is marked.
    /// </summary>
    [Test]
    public async Task A_partition_delete_refused_at_the_grants_leaves_the_tenant_closed_to_support()
    {
        var tenant = Samples.NewTenant();
        await _api.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 24 }, 201);
        var store = _api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.OK), "control: the grant lets support in");
        Proxy(fail: true, refused: Keys.GrantPrefix);

        using var response = await _api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false);

        Proxy(fail: false);
        var audited = await CountAsync(store, pk, Keys.AuditPrefix);
        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the delete was refused");
            Assert.That(await CountAsync(store, pk, Keys.GrantPrefix), Is.EqualTo(1), "control: the grant is left");
            Assert.That(await SupportReadAsync(tenant), Is.EqualTo(HttpStatusCode.Forbidden), "support cannot read an uninstalled tenant");
            Assert.That(await CountAsync(store, pk, Keys.AuditPrefix), Is.EqualTo(audited), "nothing new written into the uninstalled tenant's partition");
        });
    }

    /// <summary>
    /// A support read that passed the grant check just before the uninstall writes its audit entry after the uninstall's
    /// delete (held here at the table until the uninstall has answered): that entry must not stay behind in the
    /// partition of an uninstalled tenant, and the read answers no data.
    /// </summary>
    [Test]
    public async Task A_support_read_whose_audit_write_lands_after_the_uninstall_leaves_nothing_behind()
    {
        var tenant = Samples.NewTenant();
        await _api.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 24 }, 201);
        var store = _api.Services.GetRequiredService<IStore>();
        var pk = Keys.Tenant(tenant);
        using var arrived = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        _proxy.Fail((operation, request) =>
        {
            var text = request.ToJsonString();
            if (operation is "UpdateItem" or "PutItem" && text.Contains(pk, StringComparison.Ordinal) && text.Contains(Keys.AuditPrefix, StringComparison.Ordinal))
            {
                arrived.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }

            return null;
        });

        var read = SupportReadAsync(tenant);
        Assert.That(await Task.Run(() => arrived.Wait(TimeSpan.FromSeconds(30))), Is.True, "the read reached its audit write");
        using (var uninstall = await _api.SendAsync(HttpMethod.Post, "/forge/uninstall", tenant, new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "c" }, ["contextToken"] = "t" }, withUserToken: false))
        {
            Assert.That(uninstall.IsSuccessStatusCode, Is.True, "control: the uninstall deleted the partition");
        }

        release.Set();
        var status = await read;
        _proxy.Fail(null);
        Assert.Multiple(async () =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), "no data of the uninstalled tenant");
            Assert.That(await CountAsync(store, pk, string.Empty), Is.Zero, "nothing left in the uninstalled tenant's partition");
        });
    }

    private void Proxy(bool fail, string refused = "IRUNI#")
        => _proxy.Fail(fail
            ? (operation, request) => operation == "BatchWriteItem" && request.ToJsonString().Contains(refused, StringComparison.Ordinal) ? DynamoDbFault.ProvisionedThroughputExceeded : null
            : null);

    private async Task<HttpStatusCode> SupportReadAsync(string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/support/tenants/{Uri.EscapeDataString(tenant)}/runs");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _idp.Mint());
        using var response = await _api.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<int> CountAsync(IStore store, string pk, string prefix)
        => (await store.QueryAsync(new QueryRequest(pk, prefix) { Limit = 1000 }, default)).Items.Count;
}
