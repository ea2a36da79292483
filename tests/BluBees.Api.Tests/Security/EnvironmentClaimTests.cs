using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// <c>Forge:EnvironmentType</c> pins the backend to one environment of the app: every environment shares the app id
/// and the audience, so only <c>app.environment.type</c> tells a development or staging installation's token apart.
/// </summary>
public sealed class EnvironmentClaimTests : BackendFixture
{
    private string Tenant { get; } = Samples.NewTenant();

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Forge:EnvironmentType"] = "PRODUCTION" };

    [Test]
    public async Task A_token_of_the_configured_environment_is_accepted_ignoring_case()
    {
        foreach (var type in new[] { "PRODUCTION", "production" })
        {
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Mint(c => c["app"]!["environment"] = new JsonObject { ["type"] = type, ["id"] = "p" }));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), type);
        }
    }

    [Test]
    public async Task Tokens_of_another_environment_or_without_one_are_refused()
    {
        var variants = new (string What, Action<JsonObject> Edit)[]
        {
            ("development (the harness default)", _ => { }),
            ("staging", c => c["app"]!["environment"] = new JsonObject { ["type"] = "STAGING", ["id"] = "s" }),
            ("no environment", c => ((JsonObject)c["app"]!).Remove("environment")),
            ("no type", c => c["app"]!["environment"] = new JsonObject { ["id"] = "p" }),
            ("type not a string", c => c["app"]!["environment"] = new JsonObject { ["type"] = new JsonArray("PRODUCTION") }),
            ("environment a string", c => c["app"]!["environment"] = "PRODUCTION"),
        };
        foreach (var (what, edit) in variants)
        {
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Mint(edit));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), what);
        }
    }

    private string Mint(Action<JsonObject> edit) => Issuer.Mint(TestIssuer.For(Tenant), editClaims: edit);
}
