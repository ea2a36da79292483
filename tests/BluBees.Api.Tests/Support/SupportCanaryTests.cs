using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>Support reads run metadata and nothing else: no secret, no payload, no configuration, on any path.</summary>
public sealed class SupportCanaryTests : SupportFixture
{
    [Test]
    public async Task Nothing_support_can_read_contains_a_secret_or_a_payload()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var payload = Samples.Canary("payload");
        var runId = await CreateRunAsync(tenant, secret, "Checkout broken " + payload);
        var received = await ThirdParty.WaitForAsync(1);
        Assert.That(received.Any(r => r.Body.Contains(payload, StringComparison.Ordinal)), Is.True, "control: the payload really went through");
        var connections = (await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray();
        var connectionId = connections.Single()!["id"]!.GetValue<string>();
        var ruleId = (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray().Single()!["id"]!.GetValue<string>();
        await GrantAsync(tenant);

        var readable = new List<string>();
        foreach (var query in new[] { "", "?status=succeeded", "?ruleId=" + ruleId, "?limit=200", "?from=2000-01-01T00:00:00Z" })
        {
            using var response = await SupportGetAsync(RunsPath(tenant, query));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            readable.Add(await response.Content.ReadAsStringAsync());
        }

        using (var detail = await SupportGetAsync(RunsPath(tenant, "/" + runId)))
        {
            Assert.That(detail.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            readable.Add(await detail.Content.ReadAsStringAsync());
        }

        // Everything else a support engineer might try: unmapped, so never a 200.
        var tenantPath = "/support/tenants/" + Uri.EscapeDataString(tenant);
        foreach (var path in new[]
        {
            tenantPath, tenantPath + "/connections", tenantPath + "/connections/" + connectionId, tenantPath + "/rules", tenantPath + "/rules/" + ruleId,
            tenantPath + "/runs/" + runId + "/steps", tenantPath + "/secrets", tenantPath + "/settings", tenantPath + "/audit", tenantPath + "/grants",
            "/support/tenants", "/support/runs", "/support",
        })
        {
            using var response = await SupportGetAsync(path);
            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.Unauthorized), path);
            readable.Add(await response.Content.ReadAsStringAsync());
        }

        var all = string.Join('\n', readable);
        Assert.That(all, Does.Contain(runId).And.Contain(connectionId), "control: the reads really returned the run");
        Assert.That(all, Does.Not.Contain(secret), "connection secret");
        Assert.That(all, Does.Not.Contain(payload), "event payload");
        Assert.That(all, Does.Not.Contain("Checkout broken"), "no issue text either");
        Assert.That(all, Does.Not.Contain("baseUrl").And.Not.Contain("/tickets/"), "no connection or rule configuration");
        var audit = (await AuditAsync(tenant)).ToJsonString();
        Assert.That(audit, Does.Not.Contain(secret).And.Not.Contain(payload));
    }
}
