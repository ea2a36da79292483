using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>Support staff read a tenant's run log only while the tenant has an active grant, and every read is audited.</summary>
public sealed class SupportAccessTests : SupportFixture
{
    [Test]
    public async Task Without_a_grant_support_gets_403_and_the_denial_is_audited()
    {
        var tenant = Samples.NewTenant();
        await CreateRunAsync(tenant);

        using var response = await SupportGetAsync(RunsPath(tenant, "?status=failed"));

        var problem = await ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("no active support grant"));
        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(entry["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
            Assert.That(entry["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
            Assert.That(entry["actor"]!.GetValue<string>(), Is.EqualTo("staff-42"));
            Assert.That(entry["tenantId"]!.GetValue<string>(), Is.EqualTo(tenant));
            Assert.That(entry["query"]!["status"]!.GetValue<string>(), Is.EqualTo("failed"));
            Assert.That(entry["grantId"], Is.Null);
        });
    }

    [Test]
    public async Task With_a_grant_support_reads_the_same_run_metadata_as_the_admin_and_each_read_is_audited()
    {
        var tenant = Samples.NewTenant();
        var runId = await CreateRunAsync(tenant);
        var grant = await GrantAsync(tenant);
        var adminRuns = await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        var adminRun = await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + runId, tenant);

        using var list = await SupportGetAsync(RunsPath(tenant, "?status=succeeded&limit=5"));
        using var detail = await SupportGetAsync(RunsPath(tenant, "/" + runId));

        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(detail.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var supportRuns = JsonNode.Parse(await list.Content.ReadAsStringAsync())!;
        Assert.That(supportRuns["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(JsonNode.DeepEquals(supportRuns["items"], adminRuns["items"]), Is.True, "the same metadata as the admin run log");
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(await detail.Content.ReadAsStringAsync()), adminRun), Is.True);

        var audit = await AuditAsync(tenant);
        Assert.That(audit, Has.Count.EqualTo(2));
        var (newest, oldest) = (audit[0]!, audit[1]!);
        Assert.Multiple(() =>
        {
            Assert.That(newest["route"]!.GetValue<string>(), Does.EndWith("/runs/" + runId), "newest first");
            Assert.That(oldest["route"]!.GetValue<string>(), Does.EndWith("/runs"));
            Assert.That(oldest["route"]!.GetValue<string>(), Does.Contain(tenant));
            Assert.That(oldest["outcome"]!.GetValue<string>(), Is.EqualTo("allowed"));
            Assert.That(oldest["actor"]!.GetValue<string>(), Is.EqualTo("staff-42"));
            Assert.That(oldest["actorEmail"]!.GetValue<string>(), Is.EqualTo("staff-42@blubees.test"));
            Assert.That(oldest["grantId"]!.GetValue<string>(), Is.EqualTo(grant["id"]!.GetValue<string>()));
            Assert.That(oldest["query"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()),
                Is.EqualTo(new Dictionary<string, string> { ["status"] = "succeeded", ["limit"] = "5" }));
            Assert.That(DateTimeOffset.Parse(oldest["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        });
    }

    [Test]
    public async Task A_revoked_grant_no_longer_opens_the_run_log()
    {
        var tenant = Samples.NewTenant();
        var grantId = (await GrantAsync(tenant))["id"]!.GetValue<string>();
        using (var before = await SupportGetAsync(RunsPath(tenant)))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using (var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grantId, tenant))
        {
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using var after = await SupportGetAsync(RunsPath(tenant));
        var problem = await ProblemAsync(after, HttpStatusCode.Forbidden);
        Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
        Assert.That((await AuditAsync(tenant))[0]!["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
    }

    [Test]
    public async Task A_grant_for_one_tenant_does_not_open_another()
    {
        var tenantA = Samples.NewTenant();
        var tenantB = Samples.NewTenant();
        await GrantAsync(tenantA);
        await CreateRunAsync(tenantB);

        using var onA = await SupportGetAsync(RunsPath(tenantA));
        using var onB = await SupportGetAsync(RunsPath(tenantB));

        Assert.That(onA.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: the grant works where it was given");
        Assert.That((await ProblemAsync(onB, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
        Assert.That((await AuditAsync(tenantB)).Single()!["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
        Assert.That((await AuditAsync(tenantA)).Select(e => e!["tenantId"]!.GetValue<string>()), Is.All.EqualTo(tenantA));
    }

    [Test]
    public async Task A_tenant_id_that_does_not_exist_gets_the_same_403_and_nothing_is_stored_for_it()
    {
        var unknown = Samples.NewTenant();
        using var response = await SupportGetAsync(RunsPath(unknown));
        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
        Assert.That(string.Join('\n', await Backend.DumpStoreAsync()), Does.Not.Contain(unknown), "no partition is created for a tenant that is not here");
        Assert.That(Backend.Logs.AllText, Does.Contain("Support read denied for tenant " + unknown), "the operator log still sees it");
    }

    [Test]
    public async Task A_malformed_tenant_id_is_403_like_any_other()
    {
        using var response = await SupportGetAsync("/support/tenants/" + Uri.EscapeDataString("T#x<script>") + "/runs");
        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
    }

    [TestCase("missing")]
    [TestCase("pwd")]
    [TestCase("pwd,otp,hwk,swk")]
    [TestCase("string")]
    public async Task Without_mfa_support_gets_403_even_with_a_grant_and_it_is_audited(string amr)
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var token = Idp.Mint(c =>
        {
            switch (amr)
            {
                case "missing": c.Remove("amr"); break;
                case "string": c["amr"] = "mfa"; break;
                default: c["amr"] = new JsonArray([.. amr.Split(',').Select(a => (JsonNode)a)]); break;
            }
        });

        using var response = await SupportGetAsync(RunsPath(tenant), token);

        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("mfa_missing"));
        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.That(entry["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
        Assert.That(entry["reason"]!.GetValue<string>(), Is.EqualTo("mfa_missing"));
    }

    [TestCase("missing")]
    [TestCase("an hour and a minute ago")]
    [TestCase("in two minutes")]
    [TestCase("string")]
    [TestCase("null")]
    public async Task Without_a_recent_mfa_sign_in_support_gets_403_even_with_a_grant_and_it_is_audited(string authTime)
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var now = DateTimeOffset.UtcNow;
        var token = Idp.Mint(c =>
        {
            switch (authTime)
            {
                case "missing": c.Remove("auth_time"); break;
                case "an hour and a minute ago": c["auth_time"] = now.AddMinutes(-61).ToUnixTimeSeconds(); break;
                case "in two minutes": c["auth_time"] = now.AddMinutes(2).ToUnixTimeSeconds(); break;
                case "string": c["auth_time"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                default: c["auth_time"] = null; break;
            }
        });

        using var response = await SupportGetAsync(RunsPath(tenant), token);

        var problem = await ProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("mfa_too_old"));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("auth_time").And.Contain("sign in again with MFA"));
        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.That(entry["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
        Assert.That(entry["reason"]!.GetValue<string>(), Is.EqualTo("mfa_too_old"));
    }

    [Test]
    public async Task A_sign_in_at_the_max_age_within_the_clock_skew_is_accepted()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var token = Idp.Mint(c => c["auth_time"] = DateTimeOffset.UtcNow.AddMinutes(-60).AddSeconds(-10).ToUnixTimeSeconds());
        using var response = await SupportGetAsync(RunsPath(tenant), token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_configured_acr_counts_as_mfa_and_no_other_acr_does()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var accepted = await SupportGetAsync(RunsPath(tenant), Idp.Mint(c => { c.Remove("amr"); c["acr"] = SupportIssuer.AcceptedAcr; }));
        using var refused = await SupportGetAsync(RunsPath(tenant), Idp.Mint(c => { c.Remove("amr"); c["acr"] = "urn:blubees:acr:password"; }));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase("other-role")]
    [TestCase("Blubees-Support")]
    [TestCase("none")]
    [TestCase("wrong-claim")]
    public async Task Without_the_support_role_support_gets_403(string variant)
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var token = Idp.Mint(c =>
        {
            switch (variant)
            {
                case "none": c.Remove("roles"); break;
                case "wrong-claim": c.Remove("roles"); c["groups"] = new JsonArray(SupportIssuer.Role); break;
                default: c["roles"] = new JsonArray("engineer", variant); break;
            }
        });

        using var response = await SupportGetAsync(RunsPath(tenant), token);

        Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("role_missing"));
        Assert.That((await AuditAsync(tenant)).Single()!["reason"]!.GetValue<string>(), Is.EqualTo("role_missing"));
    }

    [Test]
    public async Task The_role_claim_may_be_a_single_string()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var response = await SupportGetAsync(RunsPath(tenant), Idp.Mint(c => c["roles"] = SupportIssuer.Role));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task An_unknown_run_is_404_and_bad_filters_are_400_behind_the_grant()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var missing = await SupportGetAsync(RunsPath(tenant, "/1700000000000-abcdefghij"));
        using var invalid = await SupportGetAsync(RunsPath(tenant, "?limit=500&status=exploded"));
        await ProblemAsync(missing, HttpStatusCode.NotFound);
        var problem = await ProblemAsync(invalid, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "limit", "status" }));
    }

    [TestCase("?rule=rule_abcdefghijklmnopqrst", "rule")]
    [TestCase("?status=failed&statuses=failed", "statuses")]
    public async Task A_filter_the_support_runs_route_does_not_read_is_400_naming_it(string query, string field)
    {
        // Ignored, it answered the unfiltered run log as if it were the filtered one.
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var invalid = await SupportGetAsync(RunsPath(tenant, query));
        var problem = await ProblemAsync(invalid, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { field }));
    }

    [Test]
    public async Task A_cursor_the_support_runs_route_did_not_return_is_400()
    {
        // Well-formed but not a run id (13 digits, dash, id characters): it would page from an arbitrary place.
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var invalid = await SupportGetAsync(RunsPath(tenant, "?cursor=zzzz"));
        var problem = await ProblemAsync(invalid, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "cursor" }));
    }
}
