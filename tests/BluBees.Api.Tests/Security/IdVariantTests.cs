using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Case and encoding variants of ids: a percent-encoded id is the same id (the path is decoded once), so it reaches its
/// own tenant's resource and nothing for another tenant; a case variant, a double encoding or a trailing space is
/// another id, which exists nowhere (ids are compared exactly, on both stores); an issue key in lower case is not an
/// issue key (400, Jira is not asked); and a support read names its tenant exactly: a case variant of a granted
/// installation id is another installation, without a grant (an encoded slash in either case, or encoded twice, is the
/// slash of the same installation id).
/// </summary>
public sealed class IdVariantTests : SupportFixture
{
    [Test]
    public async Task A_variant_of_an_id_reaches_the_same_resource_of_the_same_tenant_or_nothing_never_another_tenants()
    {
        var a = Samples.NewTenant();
        var b = Samples.NewTenant();
        var connection = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", a, Samples.Connection(ThirdParty.Address, "t0ken"), 201))["id"]!.GetValue<string>();
        var rule = (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", a, Samples.Rule(connection), 201))["id"]!.GetValue<string>();
        var hook = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", a, new JsonObject { ["name"] = "hook" }, 201))["id"]!.GetValue<string>();

        var wrong = new List<string>();
        foreach (var (family, id) in new[] { ("connections", connection), ("rules", rule), ("webhooks", hook) })
        {
            var encoded = string.Concat(Encoding.ASCII.GetBytes(id).Select(c => $"%{c:X2}"));
            var cases = new (string Variant, string Segment, HttpStatusCode ForA)[]
            {
                ("as is", id, HttpStatusCode.OK),
                ("percent-encoded", encoded, HttpStatusCode.OK),
                ("upper case", id.ToUpperInvariant(), HttpStatusCode.NotFound),
                ("double-encoded", encoded.Replace("%", "%25", StringComparison.Ordinal), HttpStatusCode.NotFound),
                ("trailing space", id + "%20", HttpStatusCode.NotFound),
            };
            foreach (var (variant, segment, forA) in cases)
            {
                foreach (var (who, tenant, expected) in new[] { ("its tenant", a, forA), ("another tenant", b, HttpStatusCode.NotFound) })
                {
                    using var response = await Backend.SendAsync(HttpMethod.Get, $"/api/{family}/{segment}", tenant);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != expected)
                    {
                        wrong.Add($"{family} id {variant} for {who}: {(int)response.StatusCode}, expected {(int)expected}: {text}");
                    }
                    else if (expected == HttpStatusCode.OK && JsonNode.Parse(text)!["id"]!.GetValue<string>() != id)
                    {
                        wrong.Add($"{family} id {variant} for {who}: another resource");
                    }
                }
            }
        }

        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
    }

    [Test]
    public async Task An_issue_key_in_lower_case_is_not_an_issue_key_and_jira_is_not_asked()
    {
        var tenant = Samples.NewTenant();
        var calls = Backend.Jira.CallCount;
        foreach (var path in new[] { "/api/issues/ops-1/runs", "/api/issues/ops-1/manual-rules", "/api/issues/Ops-1/runs", "/api/issues/OPS-1%20/runs" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path, tenant, accountId: "557058:user");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), path);
            Assert.That((await ProblemAsync(response, HttpStatusCode.BadRequest))["errors"]!["key"], Is.Not.Null, path);
        }

        Assert.That(Backend.Jira.CallCount, Is.EqualTo(calls), "a key that is not one is never sent to Jira");
    }

    [Test]
    public async Task A_support_read_names_its_tenant_exactly()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var escaped = Uri.EscapeDataString(tenant);
        var cases = new (string Variant, string Segment, HttpStatusCode Expected)[]
        {
            ("%2F", escaped, HttpStatusCode.OK),
            ("%2f", escaped.Replace("%2F", "%2f", StringComparison.Ordinal), HttpStatusCode.OK),
            ("upper case", Uri.EscapeDataString(tenant.ToUpperInvariant()), HttpStatusCode.Forbidden),
            // The server leaves an encoded slash encoded in the path and decodes %25 once: %252F reads as %2F, the same
            // tenant (no installation id holds a '%'), and the read is audited in that tenant like the others.
            ("double-encoded slash", escaped.Replace("%2F", "%252F", StringComparison.Ordinal), HttpStatusCode.OK),
            ("trailing space", escaped + "%20", HttpStatusCode.Forbidden),
        };
        foreach (var (variant, segment, expected) in cases)
        {
            using var response = await SupportGetAsync($"/support/tenants/{segment}/runs");
            Assert.That(response.StatusCode, Is.EqualTo(expected), variant);
            if (expected == HttpStatusCode.Forbidden)
            {
                Assert.That((await ProblemAsync(response, expected))["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"), variant);
            }
        }

        var audit = await AuditAsync(tenant);
        Assert.That(audit.Select(e => e!["outcome"]!.GetValue<string>()), Is.EqualTo(new[] { "allowed", "allowed", "allowed" }), "the three reads of this tenant are audited in it, and only they");
    }
}
