using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A dry run renders in the request, so one tenant's dry runs in flight are bounded (<c>DryRun:PerTenantConcurrency</c>,
/// 2 by default): one more of that tenant is answered 429 with <c>Retry-After</c>, as ProblemDetails, while another
/// tenant's dry runs are answered as usual. Before, nothing bounded them: one tenant could keep any number rendering at
/// once on the CPU every tenant shares. The tenant's dry runs are held in flight by holding their rule's read.
/// </summary>
public sealed class DryRunShareTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldReads(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, sp.GetRequiredService<HeldReads>()));
    };

    [Test]
    public async Task A_tenant_with_its_share_of_dry_runs_in_flight_gets_429_and_another_tenant_still_gets_its_dry_run()
    {
        var busy = Samples.NewTenant();
        var other = Samples.NewTenant();
        var busyConnection = await CreateConnectionAsync(busy);
        var otherConnection = await CreateConnectionAsync(other);
        var busyRule = Samples.Rule(busyConnection);
        var busyRuleId = (string)(await CreateRuleAsync(busy, busyRule))["id"]!;
        var otherRule = Samples.Rule(otherConnection);
        var otherRuleId = (string)(await CreateRuleAsync(other, otherRule))["id"]!;
        var sample = new JsonObject { ["event"] = Samples.Event("OPS-1", "Share") };
        var reads = Backend.Services.GetRequiredService<HeldReads>();

        reads.Hold(Keys.Rule(busyRuleId));
        var held = Enumerable.Range(0, 2)
            .Select(_ => Task.Run(() => Backend.SendAsync(HttpMethod.Post, $"/api/rules/{busyRuleId}/dry-run", busy, sample.DeepClone())))
            .ToList();
        try
        {
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(reads.Held), n => n == 2), Is.EqualTo(2), "both dry runs are in flight");

            // The busy tenant's third, saved or unsaved: refused at once, nothing rendered.
            using (var refused = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", busy, new JsonObject { ["rule"] = busyRule.DeepClone(), ["event"] = sample["event"]!.DeepClone() }))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), await refused.Content.ReadAsStringAsync());
                Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
                var problem = await ProblemAsync(refused);
                Assert.That((int?)problem["status"], Is.EqualTo(429));
                Assert.That((string?)problem["title"], Is.EqualTo("Too many dry runs"));
            }

            using (var refusedSaved = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{busyRuleId}/dry-run", busy, sample.DeepClone()))
            {
                Assert.That(refusedSaved.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            }

            // The other tenant's dry runs, saved and unsaved, are answered while the busy tenant's are still held.
            var saved = await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{otherRuleId}/dry-run", other, sample.DeepClone());
            Assert.That((bool?)saved["matched"], Is.True);
            var unsaved = await Backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", other, new JsonObject { ["rule"] = otherRule.DeepClone(), ["event"] = sample["event"]!.DeepClone() });
            Assert.That((bool?)unsaved["matched"], Is.True);
            Assert.That(reads.Held, Is.EqualTo(2), "the busy tenant's dry runs were still in flight");
        }
        finally
        {
            reads.Release();
        }

        foreach (var response in await Task.WhenAll(held))
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            }
        }

        // The slots came back with the answers.
        await Backend.JsonAsync(HttpMethod.Post, $"/api/rules/{busyRuleId}/dry-run", busy, sample.DeepClone());
    }
}
