using System.Net;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// One tenant's <c>/api</c> requests are answered at most <c>Api:PerTenantRequestsInFlight</c> at once, and at most
/// <c>Api:PerTenantRequestsQueued</c> more wait, oldest first; one more is answered 429 with <c>Retry-After</c> before its
/// route runs, while another tenant's requests are answered as usual. Before, nothing bounded them: one tenant's script
/// could keep any number of saves, permission checks and Jira reads in flight on the store lock and the process every
/// tenant shares. Requests are held in flight by holding their rule's read (2 in flight, 1 waiting here).
/// </summary>
public sealed class ApiShareTests : BackendFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Api:PerTenantRequestsInFlight"] = "2",
        ["Api:PerTenantRequestsQueued"] = "1",
    };

    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldReads(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, sp.GetRequiredService<HeldReads>()));
    };

    [Test]
    public async Task A_tenant_over_its_share_and_queue_gets_429_its_queued_request_is_answered_and_another_tenant_is_not_held()
    {
        var busy = Samples.NewTenant();
        var other = Samples.NewTenant();
        var busyRuleId = (string)(await CreateRuleAsync(busy, Samples.Rule(await CreateConnectionAsync(busy))))["id"]!;
        var otherConnection = await CreateConnectionAsync(other);
        var otherRuleId = (string)(await CreateRuleAsync(other, Samples.Rule(otherConnection)))["id"]!;
        var reads = Backend.Services.GetRequiredService<HeldReads>();
        var shares = Backend.Services.GetRequiredService<TenantRequestShares>();

        reads.Hold(Keys.Rule(busyRuleId));
        var held = Enumerable.Range(0, 2).Select(_ => Task.Run(() => Backend.SendAsync(HttpMethod.Get, $"/api/rules/{busyRuleId}", busy))).ToList();
        Task<HttpResponseMessage>? queued = null;
        try
        {
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(reads.Held), n => n == 2), Is.EqualTo(2), "both requests are in their route");

            // The third waits for a slot: it has not reached its route.
            queued = Task.Run(() => Backend.SendAsync(HttpMethod.Get, $"/api/rules/{busyRuleId}", busy));
            var tenantId = new TenantId(busy);
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(shares.Waiting(tenantId)), n => n == 1), Is.EqualTo(1), "the third request waits");

            // A fourth, to a route that reads nothing held, is refused at once: the share and its queue are full.
            using (var refused = await Backend.SendAsync(HttpMethod.Get, "/api/rules", busy))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), await refused.Content.ReadAsStringAsync());
                Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(TenantRequestShares.RetryAfterSeconds)));
                Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "as every error: Forge's invokeRemote loses any other error body");
                var problem = await ProblemAsync(refused);
                Assert.That((int?)problem["status"], Is.EqualTo(429));
                Assert.That((string?)problem["title"], Is.EqualTo("Too many requests"));
            }

            // A save of the busy tenant is refused the same way, and nothing is written.
            using (var refusedSave = await Backend.SendAsync(HttpMethod.Post, "/api/connections", busy, Samples.Connection(ThirdParty.Address, "s3cret")))
            {
                Assert.That(refusedSave.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            }

            // Another tenant's reads and saves are answered while the busy tenant's are still held.
            var otherRule = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{otherRuleId}", other);
            Assert.That((string?)otherRule["id"], Is.EqualTo(otherRuleId));
            var saved = await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{otherRuleId}", other, Samples.Rule(otherConnection, "Saved meanwhile"));
            Assert.That((int?)saved["version"], Is.EqualTo(2));
            Assert.That(reads.Held, Is.EqualTo(2), "the busy tenant's requests were still in flight");
            Assert.That(queued.IsCompleted, Is.False, "the busy tenant's third request was still waiting");
        }
        finally
        {
            reads.Release();
        }

        foreach (var response in await Task.WhenAll(held.Append(queued!)))
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            }
        }

        // The slots came back with the answers: the busy tenant's list is answered, and holds only the one connection it saved.
        var connections = await Backend.JsonAsync(HttpMethod.Get, "/api/connections", busy);
        Assert.That(connections["items"]!.AsArray(), Has.Count.EqualTo(1), "the refused save wrote nothing");
    }
}
