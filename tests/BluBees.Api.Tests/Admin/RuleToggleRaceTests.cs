using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// Enable or disable racing the rule's delete: the toggle answers 200 (it came first), 404 or 409, never a 500, and
/// the rule stays deleted.
/// </summary>
public sealed class RuleToggleRaceTests : BackendFixture
{
    [Test]
    public async Task A_rule_deleted_while_it_is_disabled_is_never_a_500_and_stays_deleted()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var errors = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            var id = (await CreateRuleAsync(tenant, Samples.Rule(connection)))["id"]!.GetValue<string>();
            var now = Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow();
            var toggleToken = Issuer.Mint(TestIssuer.ForRoute("/api/rules", tenant), now: now);
            var deleteToken = Issuer.Mint(TestIssuer.ForRoute("/api/rules", tenant), now: now);
            var toggle = Task.Run(() => Backend.SendWithTokenAsync(HttpMethod.Post, $"/api/rules/{id}/{(i % 2 == 0 ? "disable" : "enable")}", toggleToken));
            var delete = Task.Run(() => Backend.SendWithTokenAsync(HttpMethod.Delete, $"/api/rules/{id}", deleteToken));
            using var toggled = await toggle;
            using var deleted = await delete;
            if (toggled.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Conflict))
            {
                errors.Add($"round {i}: toggle {(int)toggled.StatusCode}");
            }

            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await deleted.Content.ReadAsStringAsync());
            using var read = await Backend.SendAsync(HttpMethod.Get, $"/api/rules/{id}", tenant);
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"round {i}: the rule is back after its delete");
        }

        Assert.That(errors, Is.Empty);
    }
}
