using System.Security.Cryptography;
using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Json;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Connections;

public sealed class ConnectionServiceTests
{
    private static readonly TenantId Tenant = new("tenant-a");
    private const string Secret = "xoxb-1111-2222-secret";

    private KeyHarness _h = null!;
    private ConnectionService _service = null!;

    private static CancellationToken Ct => CancellationToken.None;

    [SetUp]
    public void CreateService()
    {
        _h = new KeyHarness();
        _service = _h.Connections();
    }

    [TearDown]
    public void DisposeHarness() => _h.Dispose();

    private static ConnectionInput Bearer(string baseUrl = "https://slack.com/api", string? secret = Secret, string name = "Slack")
        => new() { Name = name, BaseUrl = baseUrl, Auth = new ConnectionAuth { Type = AuthTypes.Bearer }, Secret = secret };

    private async Task<Connection> CreateAsync(ConnectionInput input, TenantId? tenant = null, ConnectionService? service = null)
    {
        var outcome = await (service ?? _service).CreateAsync(tenant ?? Tenant, input, Ct);
        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Ok), () => outcome.Errors?.ToString() ?? outcome.Detail ?? string.Empty);
        return outcome.Value!;
    }

    private async Task<Connection> UpdateOkAsync(string id, ConnectionInput input)
    {
        var outcome = await _service.UpdateAsync(Tenant, id, input, Ct);
        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Ok), () => outcome.Errors?.ToString() ?? outcome.Detail ?? string.Empty);
        return outcome.Value!;
    }

    private async Task<string> RawAsync(string id) => (await _h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.Connection(id), Ct))!.Data;

    [Test]
    public async Task CreateStoresTheConnectionWithAnEncryptedSecret()
    {
        var created = await CreateAsync(Bearer("  https://slack.com/api  ", name: "  Slack  "));

        Assert.That(created.Id, Does.Match("^conn_[a-z2-9]{20}$"));
        Assert.That(created.Name, Is.EqualTo("Slack"));
        Assert.That(created.BaseUrl, Is.EqualTo("https://slack.com/api"));
        Assert.That(created.CreatedAt, Is.EqualTo(KeyHarness.Start));
        Assert.That(created.UpdatedAt, Is.EqualTo(KeyHarness.Start));
        Assert.That(created.SecretCiphertext, Does.StartWith("v2.").And.Not.Contain(Secret));
        Assert.That(await _service.GetAsync(Tenant, created.Id, Ct), Is.EqualTo(created));
        Assert.That(await RawAsync(created.Id), Does.Not.Contain(Secret));
        Assert.That(await _service.RevealSecretAsync(Tenant, created, Ct), Is.EqualTo(Secret));
    }

    [Test]
    public async Task AuthIsStoredWithOnlyTheFieldsOfItsType()
    {
        var messy = new ConnectionAuth { In = "header", Name = "X-Key", Username = "ann" };

        var bearer = await CreateAsync(new ConnectionInput { Name = "b", BaseUrl = "https://a.example.com", Auth = messy with { Type = AuthTypes.Bearer }, Secret = "s" });
        var basic = await CreateAsync(new ConnectionInput { Name = "c", BaseUrl = "https://a.example.com", Auth = messy with { Type = AuthTypes.Basic }, Secret = "s" });
        var apiKey = await CreateAsync(new ConnectionInput { Name = "d", BaseUrl = "https://a.example.com", Auth = messy with { Type = AuthTypes.ApiKey }, Secret = "s" });
        var none = await CreateAsync(new ConnectionInput { Name = "e", BaseUrl = "https://a.example.com", Auth = messy with { Type = AuthTypes.None } });

        Assert.That(bearer.Auth, Is.EqualTo(new ConnectionAuth { Type = AuthTypes.Bearer }));
        Assert.That(basic.Auth, Is.EqualTo(new ConnectionAuth { Type = AuthTypes.Basic, Username = "ann" }));
        Assert.That(apiKey.Auth, Is.EqualTo(new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "X-Key" }));
        Assert.That(none.Auth, Is.EqualTo(new ConnectionAuth { Type = AuthTypes.None }));
        Assert.That(none.SecretCiphertext, Is.Null);
    }

    [Test]
    public async Task AnInvalidInputIsRefusedAndNothingIsStored()
    {
        var outcome = await _service.CreateAsync(Tenant, Bearer(secret: null), Ct);

        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Invalid));
        Assert.That(outcome.Errors!.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]> { ["secret"] = ["is required for auth type bearer"] }));
        Assert.That(await _h.PartitionAsync(Tenant.Value), Is.Empty, "not even a data key is created for a refused input");
    }

    [Test]
    public async Task DefaultEgressOptionsRefuseHttpAndLoopbackBaseUrls()
    {
        var http = await _service.CreateAsync(Tenant, Bearer("http://slack.com/api"), Ct);
        var loopback = await _service.CreateAsync(Tenant, Bearer("https://127.0.0.1/api"), Ct);

        Assert.That(http.Errors!.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]> { ["baseUrl"] = ["Scheme 'http' is not allowed; use https."] }));
        Assert.That(loopback.Errors!.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]> { ["baseUrl"] = ["Destination '127.0.0.1' is not allowed: it is not a public address."] }));
    }

    [Test]
    public async Task PermissiveEgressOptionsAcceptALoopbackTestServer()
    {
        var permissive = _h.Connections(new EgressOptions { AllowHttp = true, AllowPrivateNetworks = true, AllowAnyPort = true });

        var created = await CreateAsync(Bearer("http://127.0.0.1:5080/api"), service: permissive);

        Assert.That(created.BaseUrl, Is.EqualTo("http://127.0.0.1:5080/api"));
    }

    [Test]
    public async Task ConnectionsBelongToTheirTenant()
    {
        var mine = await CreateAsync(Bearer(name: "Mine"));
        await CreateAsync(Bearer(name: "Theirs"), tenant: new TenantId("tenant-b"));

        Assert.That(await _service.GetAsync(new TenantId("tenant-b"), mine.Id, Ct), Is.Null);
        Assert.That((await _service.ListAsync(Tenant, Ct)).Select(c => c.Name), Is.EqualTo(new[] { "Mine" }));
        Assert.That((await _service.UpdateAsync(new TenantId("tenant-b"), mine.Id, Bearer(), Ct)).Kind, Is.EqualTo(OutcomeKind.NotFound));
        Assert.That(await _service.DeleteAsync(new TenantId("tenant-b"), mine.Id, Ct), Is.False);
        Assert.That(await _service.GetAsync(Tenant, mine.Id, Ct), Is.Not.Null);
    }

    [Test]
    public async Task ASecretCopiedToAnotherTenantsConnectionDoesNotOpen()
    {
        var mine = await CreateAsync(Bearer());
        var theirs = await CreateAsync(Bearer(secret: "their-secret"), tenant: new TenantId("tenant-b"));
        var forged = theirs with { SecretCiphertext = mine.SecretCiphertext };

        Assert.That(() => _service.RevealSecretAsync(new TenantId("tenant-b"), forged, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ASecretCopiedToAnotherConnectionOfTheSameTenantDoesNotOpen()
    {
        var first = await CreateAsync(Bearer());
        var second = await CreateAsync(Bearer(secret: "second-secret", name: "Second"));
        var forged = second with { SecretCiphertext = first.SecretCiphertext };
        await _h.Store.PutAsync(new StoreItem(Keys.Tenant(Tenant.Value), Keys.Connection(second.Id), StoredJson.Write(forged)), Ct);

        var stored = await _service.GetAsync(Tenant, second.Id, Ct);

        Assert.That(() => _service.RevealSecretAsync(Tenant, stored!, Ct), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public async Task ListIsSortedByNameIgnoringCase()
    {
        foreach (var name in new[] { "zeta", "Alpha", "beta", "Gamma" })
        {
            await CreateAsync(Bearer(name: name));
        }

        Assert.That((await _service.ListAsync(Tenant, Ct)).Select(c => c.Name), Is.EqualTo(new[] { "Alpha", "beta", "Gamma", "zeta" }));
    }

    [TestCase("../KEY")]
    [TestCase("conn_x#y")]
    [TestCase("")]
    public async Task MalformedIdsNeverReachTheStore(string id)
    {
        await _h.Keys.GetOrCreateAsync(Tenant, Ct);

        Assert.That(await _service.GetAsync(Tenant, id, Ct), Is.Null);
        Assert.That(await _service.DeleteAsync(Tenant, id, Ct), Is.False);
        Assert.That(await _h.Store.GetAsync(Keys.Tenant(Tenant.Value), Keys.DataKey, Ct), Is.Not.Null);
    }

    [Test]
    public async Task UpdateKeepsTheSecretWhenItIsOmittedForTheSameTypeAndOrigin()
    {
        var created = await CreateAsync(Bearer());
        _h.Time.Advance(TimeSpan.FromHours(1));

        var updated = await UpdateOkAsync(created.Id, Bearer("https://slack.com/api/v2", secret: null, name: "Slack v2"));

        Assert.That(updated.SecretCiphertext, Is.EqualTo(created.SecretCiphertext));
        Assert.That(updated.Name, Is.EqualTo("Slack v2"));
        Assert.That(updated.BaseUrl, Is.EqualTo("https://slack.com/api/v2"));
        Assert.That(updated.CreatedAt, Is.EqualTo(created.CreatedAt));
        Assert.That(updated.UpdatedAt, Is.EqualTo(KeyHarness.Start.AddHours(1)));
        Assert.That(await _service.RevealSecretAsync(Tenant, (await _service.GetAsync(Tenant, created.Id, Ct))!, Ct), Is.EqualTo(Secret));
    }

    [Test]
    public async Task UpdateTreatsAnEmptySecretAsOmitted()
    {
        var created = await CreateAsync(Bearer());

        var updated = await UpdateOkAsync(created.Id, Bearer(secret: ""));

        Assert.That(updated.SecretCiphertext, Is.EqualTo(created.SecretCiphertext));
    }

    [Test]
    public async Task UpdateReplacesTheSecretWhenOneIsGiven()
    {
        var created = await CreateAsync(Bearer());

        var updated = await UpdateOkAsync(created.Id, Bearer(secret: "rotated"));

        Assert.That(updated.SecretCiphertext, Is.Not.EqualTo(created.SecretCiphertext));
        Assert.That(await _service.RevealSecretAsync(Tenant, updated, Ct), Is.EqualTo("rotated"));
    }

    [TestCase("https://evil.example.net/api", Description = "another host")]
    [TestCase("https://api.slack.com/api", Description = "a subdomain is another origin")]
    public async Task ChangingTheOriginRequiresTheSecretAgain(string baseUrl)
    {
        var created = await CreateAsync(Bearer());

        var outcome = await _service.UpdateAsync(Tenant, created.Id, Bearer(baseUrl, secret: null), Ct);

        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Invalid));
        Assert.That(outcome.Errors!.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]> { ["secret"] = ["is required for auth type bearer"] }));
        Assert.That(await _service.GetAsync(Tenant, created.Id, Ct), Is.EqualTo(created), "a refused update changes nothing");
    }

    [Test]
    public async Task ChangingThePortIsChangingTheOrigin()
    {
        var service = _h.Connections(new EgressOptions { AllowAnyPort = true });
        var created = await CreateAsync(Bearer(), service: service);

        var outcome = await service.UpdateAsync(Tenant, created.Id, Bearer("https://slack.com:8443/api", secret: null), Ct);

        Assert.That(outcome.Errors!.ToDictionary().Keys, Is.EqualTo(new[] { "secret" }));
    }

    [Test]
    public async Task ChangingTheOriginWithANewSecretIsAccepted()
    {
        var created = await CreateAsync(Bearer());

        var updated = await UpdateOkAsync(created.Id, Bearer("https://hooks.example.com", secret: "new-origin-secret"));

        Assert.That(await _service.RevealSecretAsync(Tenant, updated, Ct), Is.EqualTo("new-origin-secret"));
    }

    [Test]
    public async Task ChangingTheAuthTypeRequiresTheSecretAgain()
    {
        var created = await CreateAsync(Bearer());
        var asApiKey = new ConnectionInput { Name = "Slack", BaseUrl = "https://slack.com/api", Auth = new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "token" } };

        var outcome = await _service.UpdateAsync(Tenant, created.Id, asApiKey, Ct);

        Assert.That(outcome.Errors!.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]> { ["secret"] = ["is required for auth type apiKey"] }));
    }

    [Test]
    public async Task ChangingTheAuthTypeToNoneDropsTheSecret()
    {
        var created = await CreateAsync(Bearer());

        var updated = await UpdateOkAsync(created.Id, new ConnectionInput { Name = "Slack", BaseUrl = "https://slack.com/api", Auth = new ConnectionAuth { Type = AuthTypes.None } });

        Assert.That(updated.SecretCiphertext, Is.Null);
        Assert.That(await RawAsync(created.Id), Does.Not.Contain(created.SecretCiphertext!));
        Assert.That(ConnectionView.From(updated).SecretSet, Is.False);
    }

    [Test]
    public async Task AConnectionWithoutASecretNeedsOneToGainAuth()
    {
        var created = await CreateAsync(new ConnectionInput { Name = "Open", BaseUrl = "https://open.example.com", Auth = new ConnectionAuth { Type = AuthTypes.None } });

        var outcome = await _service.UpdateAsync(Tenant, created.Id, Bearer("https://open.example.com", secret: null), Ct);

        Assert.That(outcome.Errors!.ToDictionary().Keys, Is.EqualTo(new[] { "secret" }));
    }

    [Test]
    public async Task UpdatingAMissingConnectionIsNotFound()
    {
        var outcome = await _service.UpdateAsync(Tenant, "conn_missing", Bearer(), Ct);

        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.NotFound));
        Assert.That(outcome.Detail, Is.EqualTo("Connection 'conn_missing' does not exist."));
    }

    [Test]
    public async Task DeleteSaysWhetherTheConnectionExisted()
    {
        var created = await CreateAsync(Bearer());

        Assert.That(await _service.DeleteAsync(Tenant, created.Id, Ct), Is.True);
        Assert.That(await _service.DeleteAsync(Tenant, created.Id, Ct), Is.False);
        Assert.That(await _service.GetAsync(Tenant, created.Id, Ct), Is.Null);
    }

    [Test]
    public async Task TheViewNeverExposesTheSecretOrItsCiphertext()
    {
        var created = await CreateAsync(Bearer());

        var json = JsonSerializer.Serialize(ConnectionView.From(created), JsonDefaults.Options);

        Assert.That(json, Does.Not.Contain(Secret));
        Assert.That(json, Does.Not.Contain(created.SecretCiphertext!));
        Assert.That(json, Does.Not.Contain(created.SecretCiphertext![3..20]));
        Assert.That(json, Does.Not.Contain("ciphertext").IgnoreCase);
        Assert.That(json, Does.Contain("\"secretSet\":true"));
        Assert.That(json, Does.Contain($"\"id\":\"{created.Id}\""));
    }

    [Test]
    public async Task ATenantMayHaveAtMost200Connections()
    {
        var open = new ConnectionInput { Name = "c", BaseUrl = "https://open.example.com", Auth = new ConnectionAuth { Type = AuthTypes.None } };
        for (var i = 0; i < ConnectionService.MaxConnectionsPerTenant; i++)
        {
            await _h.Store.PutAsync(new StoreItem(Keys.Tenant(Tenant.Value), Keys.Connection($"conn_{i:D3}"), StoredJson.Write(
                new Connection($"conn_{i:D3}", $"c{i:D3}", "https://open.example.com", new ConnectionAuth { Type = AuthTypes.None }, null, KeyHarness.Start, KeyHarness.Start))), Ct);
        }

        var outcome = await _service.CreateAsync(Tenant, open, Ct);

        Assert.That(outcome.Kind, Is.EqualTo(OutcomeKind.Conflict));
        Assert.That(outcome.Detail, Is.EqualTo("A tenant may have at most 200 connections."));
        Assert.That((await _service.CreateAsync(new TenantId("tenant-b"), open, Ct)).Kind, Is.EqualTo(OutcomeKind.Ok), "the limit is per tenant");
    }
}
