using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>A flood of tokens with unknown kids costs at most one JWKS fetch per cooldown interval.</summary>
public sealed class JwksCooldownTests : BackendFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Forge:JwksRefreshCooldownSeconds"] = "3600" };

    [Test]
    public async Task A_flood_of_unknown_kids_causes_at_most_one_fetch()
    {
        var tenant = Samples.NewTenant();
        using (var warm = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant)))
        {
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var before = Issuer.JwksFetches;
        var flood = Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(TestIssuer.For(tenant), editHeader: h => h["kid"] = "unknown-" + i));
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(flood);

        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(Issuer.JwksFetches - before, Is.LessThanOrEqualTo(1));
        using var stillWorks = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant));
        Assert.That(stillWorks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
