using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Support;

/// <summary>
/// Denied support reads cannot flood a tenant's audit trail: repeated denials of one staff member for one reason are
/// counted in one entry per window, and the tenant still sees that (and how often) they happened.
/// </summary>
public sealed class SupportDenialAuditTests : SupportFixture
{
    private const int Denials = 40;

    /// <summary>A tenant that exists here (it granted access once, since revoked), so denials are audited in it.</summary>
    private async Task<string> RevokedTenantAsync()
    {
        var tenant = Samples.NewTenant();
        var grantId = (await GrantAsync(tenant))["id"]!.GetValue<string>();
        using var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grantId, tenant);
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        return tenant;
    }

    [Test]
    public async Task Rapid_denials_are_one_entry_with_their_count_and_the_first_and_last_time()
    {
        var tenant = await RevokedTenantAsync();
        var token = Idp.Mint();
        for (var i = 0; i < Denials; i++)
        {
            using var response = await SupportGetAsync(RunsPath(tenant, "?limit=" + (i + 1).ToString(CultureInfo.InvariantCulture)), token);
            Assert.That((await ProblemAsync(response, HttpStatusCode.Forbidden))["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"), "every request is still refused");
        }

        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(entry["outcome"]!.GetValue<string>(), Is.EqualTo("denied"));
            Assert.That(entry["reason"]!.GetValue<string>(), Is.EqualTo("no_grant"));
            Assert.That(entry["actor"]!.GetValue<string>(), Is.EqualTo("staff-42"));
            Assert.That(entry["count"]!.GetValue<int>(), Is.EqualTo(Denials), "the tenant sees how many denials there were");
            Assert.That(entry["query"]!["limit"]!.GetValue<string>(), Is.EqualTo("1"), "the first denial's request");
            Assert.That(Time(entry["lastAt"]), Is.GreaterThanOrEqualTo(Time(entry["at"])));
        });
    }

    [Test]
    public async Task Concurrent_denials_are_one_entry_counting_each_of_them()
    {
        var tenant = await RevokedTenantAsync();
        var token = Idp.Mint();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SupportGetAsync(RunsPath(tenant), token)));
        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Forbidden));
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var entry = (await AuditAsync(tenant)).Single()!;
        Assert.That(entry["count"]!.GetValue<int>(), Is.EqualTo(20));
    }

    [Test]
    public async Task Denials_for_another_reason_or_by_another_person_are_counted_apart_and_allowed_reads_each_keep_an_entry()
    {
        var tenant = await RevokedTenantAsync();
        var noMfa = Idp.Mint(c => c["amr"] = new JsonArray("pwd"));
        var other = Idp.Mint(subject: "staff-7");
        for (var i = 0; i < 3; i++)
        {
            (await SupportGetAsync(RunsPath(tenant))).Dispose();
            (await SupportGetAsync(RunsPath(tenant), noMfa)).Dispose();
            (await SupportGetAsync(RunsPath(tenant), other)).Dispose();
        }

        await GrantAsync(tenant);
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await SupportGetAsync(RunsPath(tenant));
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var entries = (await AuditAsync(tenant)).Select(e => (
            Outcome: e!["outcome"]!.GetValue<string>(),
            Actor: e["actor"]!.GetValue<string>(),
            Reason: e["reason"]?.GetValue<string>(),
            Count: e["count"]!.GetValue<int>()));
        Assert.That(entries, Is.EqualTo(new[]
        {
            ("allowed", "staff-42", (string?)null, 1),
            ("allowed", "staff-42", null, 1),
            ("denied", "staff-7", "no_grant", 3),
            ("denied", "staff-42", "mfa_missing", 3),
            ("denied", "staff-42", "no_grant", 3),
        }));
    }

    private static DateTimeOffset Time(JsonNode? node) => DateTimeOffset.Parse(node!.GetValue<string>(), CultureInfo.InvariantCulture);
}
