using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>One backend trusting both Forge (tenant admins) and the support identity provider; a third party for runs.</summary>
public abstract class SupportFixture
{
    protected TestIssuer Forge { get; private set; } = null!;
    protected SupportIssuer Idp { get; private set; } = null!;
    protected BackendHost Backend { get; private set; } = null!;
    protected ThirdPartyApi ThirdParty { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Forge = await TestIssuer.StartAsync();
        Idp = await SupportIssuer.StartAsync();
        Backend = await BackendHost.StartAsync(Forge, Idp.Settings());
        ThirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await ThirdParty.DisposeAsync();
        await Backend.DisposeAsync();
        await Idp.DisposeAsync();
        await Forge.DisposeAsync();
    }

    protected static string RunsPath(string tenant, string? rest = null) => $"/support/tenants/{Uri.EscapeDataString(tenant)}/runs{rest}";

    /// <summary>GET as support staff with the given token (a valid one when null).</summary>
    protected async Task<HttpResponseMessage> SupportGetAsync(string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Idp.Mint());
        return await Backend.Client.SendAsync(request);
    }

    protected async Task<JsonNode> GrantAsync(string tenant, int hours = 2, string? reason = "INC-1234")
        => await Backend.JsonAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = hours, ["reason"] = reason }, 201);

    protected async Task<JsonArray> AuditAsync(string tenant, string query = "")
        => (await Backend.JsonAsync(HttpMethod.Get, "/api/support/audit" + query, tenant))["items"]!.AsArray();

    /// <summary>A connection with the given secret, a rule calling the third party, one event: returns the run id.</summary>
    protected async Task<string> CreateRunAsync(string tenant, string secret = "t0ken", string summary = "Checkout broken")
    {
        var connection = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, secret), 201);
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-" + Random.Shared.Next(10, 9999), summary));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        return runs["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
    }

    protected static async Task<JsonNode> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.That(response.StatusCode, Is.EqualTo(expected));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "errors are RFC 7807 ProblemDetails sent as JSON (Forge's invokeRemote)");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo((int)expected));
        return problem;
    }
}
