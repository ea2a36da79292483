using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// A path under <c>/support</c> that no support route has (configuration a support engineer might try, a run's
/// sub-resource, the bare tenant) is authorized as the support routes are and answered 404 ProblemDetails, reading
/// nothing and writing no audit entry; without the role it is the audited 403 of the support routes. Before, it fell to
/// the Forge fallback policy: a valid support token was told "The Forge Invocation Token is not valid." (401), and a
/// Forge token was let through.
/// </summary>
public sealed class SupportUnmappedPathTests : SupportFixture
{
    private static IEnumerable<string> Unmapped(string tenant, string runId)
    {
        var tenantPath = "/support/tenants/" + Uri.EscapeDataString(tenant);
        return
        [
            tenantPath, tenantPath + "/connections", tenantPath + "/rules", tenantPath + "/audit", tenantPath + "/grants",
            tenantPath + "/runs/" + runId + "/steps", "/support/tenants", "/support/runs", "/support",
        ];
    }

    [Test]
    public async Task A_valid_support_token_gets_a_404_problem_and_nothing_is_read_or_audited()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        var before = (await AuditAsync(tenant)).Count;

        foreach (var path in Unmapped(tenant, runId))
        {
            using var response = await SupportGetAsync(path);
            var problem = await ProblemAsync(response, HttpStatusCode.NotFound);
            Assert.That(problem.ToJsonString(), Does.Not.Contain(runId).And.Not.Contain("Forge"), path);

            using var head = new HttpRequestMessage(HttpMethod.Head, path);
            head.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Idp.Mint());
            using var headResponse = await Backend.Client.SendAsync(head);
            Assert.That((headResponse.StatusCode, await headResponse.Content.ReadAsStringAsync()), Is.EqualTo((HttpStatusCode.NotFound, string.Empty)), "HEAD " + path);
        }

        Assert.That(await AuditAsync(tenant), Has.Count.EqualTo(before), "nothing read, no audit entry");
    }

    [Test]
    public async Task Without_a_support_token_it_is_the_support_schemes_401_and_a_forge_token_is_not_let_through()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);

        foreach (var path in Unmapped(tenant, runId))
        {
            using var anonymous = await Backend.Client.GetAsync(path);
            var problem = await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("support token"), path);

            using var forge = await Backend.SendAsync(HttpMethod.Get, path, tenant);
            Assert.That(forge.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "a Forge token is 401 on /support: " + path);
        }
    }

    [Test]
    public async Task Without_the_support_role_it_is_the_audited_403_of_the_support_routes()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/support/tenants/" + Uri.EscapeDataString(tenant) + "/connections");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Idp.Mint(c => c.Remove("roles")));
        using var response = await Backend.Client.SendAsync(request);

        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("role_missing"));
        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.That((entry["route"]!.GetValue<string>(), entry["reason"]!.GetValue<string>()), Is.EqualTo(($"GET /support/tenants/{tenant}/connections", "role_missing")));
    }
}
