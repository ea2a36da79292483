using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// A support read is audited with the method it was sent with: a HEAD is answered as a GET (status and headers, no
/// body), and was audited as "GET …", so the tenant's trail did not say what happened. Every other method on a support
/// route (OPTIONS, POST, PUT, PATCH, DELETE, an unknown one) is authorized as support staff and answered 405 with
/// <c>Allow: GET, HEAD</c> and a ProblemDetails, and writes no audit entry (nothing was read); before, a valid support
/// token was told "The Forge Invocation Token is not valid." (401). Without a token it is the support scheme's 401.
/// </summary>
public sealed class SupportMethodAuditTests : SupportFixture
{
    [Test]
    public async Task A_head_read_is_audited_as_head_and_a_get_as_get()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);

        using (var head = await SendAsync(HttpMethod.Head, RunsPath(tenant, "/" + runId)))
        {
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a HEAD reads the run");
        }

        using (var get = await SendAsync(HttpMethod.Get, RunsPath(tenant)))
        {
            Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var routes = (await AuditAsync(tenant)).Select(e => e!["route"]!.GetValue<string>()).Reverse().ToList();
        Assert.That(routes, Is.EqualTo(new[] { $"HEAD /support/tenants/{tenant}/runs/{runId}", $"GET /support/tenants/{tenant}/runs" }));
    }

    [TestCase("OPTIONS")]
    [TestCase("POST")]
    [TestCase("PUT")]
    [TestCase("PATCH")]
    [TestCase("DELETE")]
    [TestCase("PROPFIND")]
    public async Task Any_other_method_is_refused_with_a_problem_and_reads_nothing(string method)
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        var before = (await AuditAsync(tenant)).Count;

        foreach (var path in new[] { RunsPath(tenant), RunsPath(tenant, "/" + runId) })
        {
            using var response = await SendAsync(new HttpMethod(method), path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), $"{method} {path}: {body}");
                Assert.That(response.Content.Headers.Allow, Is.EquivalentTo(new[] { "GET", "HEAD" }));
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "a ProblemDetails");
                Assert.That(JsonNode.Parse(body)!["status"]!.GetValue<int>(), Is.EqualTo(405));
                Assert.That(body, Does.Not.Contain(runId).And.Not.Contain("items"), "nothing of the run log");
            });

            using var anonymous = new HttpRequestMessage(new HttpMethod(method), path);
            using var refused = await Backend.Client.SendAsync(anonymous);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "without a token: 401, as for any other route");
            Assert.That(refused.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        }

        Assert.That(await AuditAsync(tenant), Has.Count.EqualTo(before), "no read, no audit entry");
    }

    [Test]
    public async Task Another_method_without_the_support_role_is_a_403_audited_as_the_method_it_was()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var response = await SendAsync(HttpMethod.Options, RunsPath(tenant), Idp.Mint(c => c.Remove("roles")));

        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("role_missing"));
        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.That((entry["route"]!.GetValue<string>(), entry["reason"]!.GetValue<string>()), Is.EqualTo(($"OPTIONS /support/tenants/{tenant}/runs", "role_missing")));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Idp.Mint());
        return await Backend.Client.SendAsync(request);
    }
}
