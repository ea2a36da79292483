using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Harness;

/// <summary>Base for fixtures that share one backend, one issuer and one third party; each test uses its own tenant.</summary>
public abstract class BackendFixture
{
    protected TestIssuer Issuer { get; private set; } = null!;
    protected BackendHost Backend { get; private set; } = null!;
    protected ThirdPartyApi ThirdParty { get; private set; } = null!;

    protected virtual IDictionary<string, string?>? Settings => null;

    /// <summary>Service registrations applied after the app's own (e.g. a counting store wrapper); none by default.</summary>
    protected virtual Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Services => null;

    [OneTimeSetUp]
    public async Task StartBackendAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        Backend = await BackendHost.StartAsync(Issuer, Settings, Services);
        ThirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopBackendAsync()
    {
        await ThirdParty.DisposeAsync();
        await Backend.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    protected async Task<string> CreateConnectionAsync(string tenant, string secret = "t0ken", string type = "bearer")
        => (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, secret, type), 201))["id"]!.GetValue<string>();

    protected async Task<JsonNode> CreateRuleAsync(string tenant, JsonObject rule)
        => await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

    protected static async Task<JsonNode> ProblemAsync(HttpResponseMessage response)
    {
        // application/json, not application/problem+json: Forge's invokeRemote loses any other error body.
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "errors are RFC 7807 ProblemDetails sent as JSON");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
