using System.Net;
using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// A support route that reads no query parameter (one run, <c>/support/tenants/{tenantId}/runs/{runId}</c>) refuses
/// one, naming it, as the <c>/api</c> routes do (<c>UndeclaredQueryTests</c>); the run list keeps its own parameters.
/// </summary>
public sealed class SupportUndeclaredQueryTests : SupportFixture
{
    [Test]
    public async Task A_query_parameter_on_the_one_run_route_is_a_400_naming_it()
    {
        var tenant = Harness.Samples.NewTenant();
        var run = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        using var refused = await SupportGetAsync(RunsPath(tenant, $"/{run}?limit=5"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["errors"]!["limit"], Is.Not.Null);

        using var plain = await SupportGetAsync(RunsPath(tenant, $"/{run}"));
        Assert.That(plain.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var list = await SupportGetAsync(RunsPath(tenant, "?limit=5"));
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
