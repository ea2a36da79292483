using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// docs/security.md's threat model promises "`app.id` = our app id": a token whose <c>app.id</c> is absent, or not a
/// string, is not "our app id" and is refused like a token for another app (found by an adversarial sweep: only a
/// string that differed was refused). Without <c>Forge:EnvironmentType</c> any environment is accepted.
/// </summary>
public sealed class AppClaimTests : BackendFixture
{
    private string Tenant { get; } = Samples.NewTenant();

    [Test]
    public async Task Control_a_well_formed_token_is_accepted()
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(Tenant));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public Task A_token_without_app_id_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => ((JsonObject)c["app"]!).Remove("id")));

    [Test]
    public Task A_token_whose_app_id_is_null_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["app"]!["id"] = null));

    [Test]
    public Task A_token_whose_app_id_is_our_id_in_an_array_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["app"]!["id"] = new JsonArray(TestIssuer.AppId)));

    [Test]
    public async Task Without_a_configured_environment_type_any_environment_is_accepted()
    {
        var token = Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["app"]!["environment"] = new JsonObject { ["type"] = "STAGING", ["id"] = "s" });
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task AssertRefusedAsync(string token)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
