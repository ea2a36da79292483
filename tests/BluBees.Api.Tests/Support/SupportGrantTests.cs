using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>Tenant admins grant, list and revoke support access and read the audit trail, within their own tenant only.</summary>
public sealed class SupportGrantTests : SupportFixture
{
    [Test]
    public async Task Creating_a_grant_answers_201_with_its_window_and_who_gave_it()
    {
        var tenant = Samples.NewTenant();
        var grant = await GrantAsync(tenant, hours: 3, reason: "  INC-77: webhook failures  ");
        var createdAt = DateTimeOffset.Parse(grant["createdAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        var expiresAt = DateTimeOffset.Parse(grant["expiresAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(grant["id"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(createdAt, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
            Assert.That(expiresAt - createdAt, Is.EqualTo(TimeSpan.FromHours(3)));
            Assert.That(grant["createdBy"]!.GetValue<string>(), Is.EqualTo("557058:admin"));
            Assert.That(grant["reason"]!.GetValue<string>(), Is.EqualTo("INC-77: webhook failures"));
            Assert.That(grant["active"]!.GetValue<bool>(), Is.True);
        });
    }

    [Test]
    public async Task A_grant_past_the_active_limit_is_a_409_naming_the_limit_and_a_revoke_frees_a_place()
    {
        var tenant = Samples.NewTenant();
        var first = (await GrantAsync(tenant))["id"]!.GetValue<string>();
        for (var i = 1; i < BluBees.Engine.Support.SupportGrantStore.MaxActive; i++)
        {
            await GrantAsync(tenant);
        }

        using (var refused = await Backend.SendAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 2 }))
        {
            var problem = await ProblemAsync(refused, HttpStatusCode.Conflict);
            Assert.That(problem["reason"]!.GetValue<string>(), Is.EqualTo("active_grant_limit"));
            Assert.That(problem["limit"]!.GetValue<int>(), Is.EqualTo(BluBees.Engine.Support.SupportGrantStore.MaxActive));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Revoke one"));
        }

        var active = (await Backend.JsonAsync(HttpMethod.Get, "/api/support/grants", tenant))["items"]!.AsArray().Count(g => g!["active"]!.GetValue<bool>());
        Assert.That(active, Is.EqualTo(BluBees.Engine.Support.SupportGrantStore.MaxActive), "the refused grant was not stored");

        using (var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + first, tenant))
        {
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        await GrantAsync(tenant);
    }

    [TestCase("""{"hours":0}""", "hours")]
    [TestCase("""{"hours":169}""", "hours")]
    [TestCase("""{}""", "hours")]
    [TestCase("""{"hours":1.5}""", "hours")]
    [TestCase("""{"hours":"2"}""", "hours")]
    [TestCase("""{"hours":2,"tenantId":"other"}""", "tenantId")]
    public async Task Invalid_grants_are_400_naming_the_field(string body, string field)
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/support/grants", Samples.NewTenant(), body);
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.That(problem["errors"]!.AsObject().Select(p => p.Key), Does.Contain(field));
    }

    [Test]
    public async Task A_reason_longer_than_500_characters_is_400_and_500_is_fine()
    {
        var tenant = Samples.NewTenant();
        using var tooLong = await Backend.SendAsync(HttpMethod.Post, "/api/support/grants", tenant, new JsonObject { ["hours"] = 1, ["reason"] = new string('r', 501) });
        Assert.That((await ProblemAsync(tooLong, HttpStatusCode.BadRequest))["errors"]!["reason"], Is.Not.Null);
        await GrantAsync(tenant, reason: new string('r', 500));
    }

    [Test]
    public async Task Listing_shows_active_and_revoked_grants_of_the_own_tenant_only()
    {
        var tenant = Samples.NewTenant();
        var other = Samples.NewTenant();
        var first = (await GrantAsync(tenant, hours: 1))["id"]!.GetValue<string>();
        var second = (await GrantAsync(tenant, hours: 2))["id"]!.GetValue<string>();
        await GrantAsync(other);
        using (var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + first, tenant))
        {
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        var items = (await Backend.JsonAsync(HttpMethod.Get, "/api/support/grants", tenant))["items"]!.AsArray();

        Assert.That(items.Select(i => i!["id"]!.GetValue<string>()), Is.EqualTo(new[] { second, first }), "newest first, nothing of the other tenant");
        Assert.Multiple(() =>
        {
            Assert.That(items[0]!["active"]!.GetValue<bool>(), Is.True);
            Assert.That(items[1]!["active"]!.GetValue<bool>(), Is.False);
            Assert.That(items[1]!["revokedAt"], Is.Not.Null);
            Assert.That(items[1]!["revokedBy"]!.GetValue<string>(), Is.EqualTo("557058:admin"));
        });
    }

    [Test]
    public async Task An_active_grant_is_listed_however_many_newer_revoked_grants_there_are()
    {
        var tenant = Samples.NewTenant();
        var open = (await GrantAsync(tenant, hours: 168))["id"]!.GetValue<string>();
        for (var i = 0; i < 55; i++)
        {
            var id = (await GrantAsync(tenant, hours: 1))["id"]!.GetValue<string>();
            using var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + id, tenant);
            Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }

        using (var read = await SupportGetAsync(RunsPath(tenant)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: support can read");
        }

        var items = (await Backend.JsonAsync(HttpMethod.Get, "/api/support/grants", tenant))["items"]!.AsArray();
        var active = items.Where(i => i!["active"]!.GetValue<bool>()).Select(i => i!["id"]!.GetValue<string>());
        Assert.That(active, Is.EqualTo(new[] { open }), "the admin sees the grant that lets support in, and can revoke it");
        Assert.That(items[^1]!["id"]!.GetValue<string>(), Is.EqualTo(open), "newest first");
    }

    [Test]
    public async Task Revoking_an_unknown_grant_or_another_tenants_grant_is_404_and_changes_nothing()
    {
        var owner = Samples.NewTenant();
        var intruder = Samples.NewTenant();
        var grantId = (await GrantAsync(owner))["id"]!.GetValue<string>();

        using var foreign = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grantId, intruder);
        using var unknown = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/1700000000000-abcdefghij", owner);
        using var malformed = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + Uri.EscapeDataString("GRANT#x"), owner);

        await ProblemAsync(foreign, HttpStatusCode.NotFound);
        await ProblemAsync(unknown, HttpStatusCode.NotFound);
        await ProblemAsync(malformed, HttpStatusCode.NotFound);
        using var stillOpen = await SupportGetAsync(RunsPath(owner));
        Assert.That(stillOpen.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_audit_trail_pages_newest_first()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        foreach (var status in new[] { "failed", "partial", "skipped" })
        {
            using var response = await SupportGetAsync(RunsPath(tenant, "?status=" + status));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var page1 = await Backend.JsonAsync(HttpMethod.Get, "/api/support/audit?limit=2", tenant);
        var cursor = page1["nextCursor"]!.GetValue<string>();
        var page2 = await Backend.JsonAsync(HttpMethod.Get, "/api/support/audit?limit=2&cursor=" + cursor, tenant);

        var statuses = page1["items"]!.AsArray().Concat(page2["items"]!.AsArray()).Select(e => e!["query"]!["status"]!.GetValue<string>());
        Assert.That(statuses, Is.EqualTo(new[] { "skipped", "partial", "failed" }));
        Assert.That(page2["nextCursor"], Is.Null);
        using var badCursor = await Backend.SendAsync(HttpMethod.Get, "/api/support/audit?cursor=" + Uri.EscapeDataString("AUDIT#9"), tenant);
        await ProblemAsync(badCursor, HttpStatusCode.BadRequest);
    }
}
