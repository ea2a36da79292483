using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A saved rule's dry run racing the rule's delete: the dry run answers 200 (it came first) or 404 (the rule is gone),
/// never 409 'no longer compiles', which tells the admin to save again a rule that no longer exists.
/// </summary>
public sealed class RuleDryRunRaceTests : BackendFixture
{
    [Test]
    public async Task A_rule_deleted_during_its_dry_run_is_a_404_not_a_409()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var sample = new JsonObject { ["event"] = Samples.Event("OPS-307", "Dry run " + new string('x', 50_000)) };
        var errors = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var id = (await CreateRuleAsync(tenant, Samples.Rule(connection)))["id"]!.GetValue<string>();

            // As on an instance that did not save the rule (another Lambda, a backend restarted since), or once its idle
            // entry expired: the dry run compiles the version it reads, which the delete may have removed meanwhile.
            Backend.Services.GetRequiredService<RuleCache>().Clear();
            var now = Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            var dryRunToken = Issuer.Mint(TestIssuer.ForRoute("/api/rules", tenant), now: now);
            var deleteToken = Issuer.Mint(TestIssuer.ForRoute("/api/rules", tenant), now: now);
            var dryRun = Task.Run(() => Backend.SendWithTokenAsync(HttpMethod.Post, $"/api/rules/{id}/dry-run", dryRunToken, sample.DeepClone()));
            var delete = Task.Run(() => Backend.SendWithTokenAsync(HttpMethod.Delete, $"/api/rules/{id}", deleteToken));
            using var ran = await dryRun;
            using var deleted = await delete;
            if (ran.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
            {
                errors.Add($"round {i}: dry run {(int)ran.StatusCode} {await ran.Content.ReadAsStringAsync()}");
            }

            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
        }

        Assert.That(errors, Is.Empty);
    }
}
