using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Admin;

/// <summary>Each rule version records who saved it: the verified token's user, never anything in the body.</summary>
public sealed class VersionAuthorApiTests : BackendFixture
{
    private const string SecondAdmin = "557058:second-admin";

    [Test]
    public async Task Versions_name_the_account_that_saved_or_restored_them()
    {
        Backend.Jira.Admins[SecondAdmin] = true;
        try
        {
            var tenant = Samples.NewTenant();
            var connection = await CreateConnectionAsync(tenant);
            var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Authored")))["id"]!.GetValue<string>();
            using (var update = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, Samples.Rule(connection, "Authored"), accountId: SecondAdmin))
            {
                Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }

            using (var restore = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{id}/versions/1/restore", tenant, accountId: SecondAdmin))
            {
                Assert.That(restore.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }

            var versions = (await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions", tenant))["items"]!.AsArray();
            Assert.That(versions.Select(v => (v!["version"]!.GetValue<int>(), v["createdBy"]!.GetValue<string>())),
                Is.EqualTo(new[] { (3, SecondAdmin), (2, SecondAdmin), (1, "557058:admin") }));
            Assert.That((await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{id}/versions/1", tenant))["createdBy"]!.GetValue<string>(), Is.EqualTo("557058:admin"));

            // The author cannot be given in the body: the rule format has no such property.
            var forged = Samples.Rule(connection, "Authored");
            forged["createdBy"] = "557058:someone-else";
            using var refused = await Backend.SendAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, forged);
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await ProblemAsync(refused))["errors"]!.AsObject().Select(e => e.Key), Does.Contain("createdBy"));
        }
        finally
        {
            Backend.Jira.Admins.TryRemove(SecondAdmin, out _);
        }
    }
}
