using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using BluBees.Engine.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// The per-tenant rule limit holds under concurrent creates: one short of the limit, creates sent at once save at
/// most one more (the others answer 409 naming the limit), so no rule goes past the lists, which read at most the
/// limit (a rule past it was kept, its definition in clear, but never listed, shown or run).
/// </summary>
public sealed class RuleLimitRaceTests : BackendFixture
{
    private const int AtOnce = 8;

    [Test]
    public async Task Rules_created_at_once_one_short_of_the_limit_never_go_past_it()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        for (var i = 0; i < RuleLimits.MaxRulesPerTenant - 1; i++)
        {
            await CreateRuleAsync(tenant, Samples.Rule(connection));
        }

        await CreateAtOnceAsync(tenant, "/api/rules", _ => Samples.Rule(connection), $"at most {RuleLimits.MaxRulesPerTenant} rules");
        Assert.That(await StoredAsync(tenant, Keys.RulePrefix), Is.EqualTo(RuleLimits.MaxRulesPerTenant));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray(), Has.Count.EqualTo(RuleLimits.MaxRulesPerTenant));
    }

    /// <summary>
    /// Sends <see cref="AtOnce"/> creates together one short of the limit: at most one is saved (all may be refused
    /// when each saw the others). Then the limit is reached by one more create if none was saved, and the next is 409.
    /// </summary>
    private async Task CreateAtOnceAsync(string tenant, string path, Func<int, JsonObject> body, string limit)
    {
        // As many client connections open as creates to send, so none waits for its connection's set-up.
        foreach (var warm in await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => Backend.SendAsync(HttpMethod.Get, path, tenant))))
        {
            warm.Dispose();
        }

        // Tokens and bodies made first, so the creates leave together.
        var now = Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var ready = Enumerable.Range(0, AtOnce).Select(n => (Token: Issuer.Mint(TestIssuer.ForRoute(path, tenant, "557058:admin"), now: now), Body: body(n))).ToList();
        var responses = await Task.WhenAll(ready.Select(r => Task.Run(() => Backend.SendWithTokenAsync(HttpMethod.Post, path, r.Token, r.Body))));
        var created = 0;
        foreach (var response in responses)
        {
            using (response)
            {
                Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.Conflict), await response.Content.ReadAsStringAsync());
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain(limit));
                }
                else
                {
                    created++;
                }
            }
        }

        Assert.That(created, Is.LessThanOrEqualTo(1), "creates sent at once one short of the limit that answered 201");
        if (created == 0)
        {
            using var last = await Backend.SendAsync(HttpMethod.Post, path, tenant, body(AtOnce));
            Assert.That(last.StatusCode, Is.EqualTo(HttpStatusCode.Created), "the refused creates left nothing that counts");
        }

        using var over = await Backend.SendAsync(HttpMethod.Post, path, tenant, body(AtOnce + 1));
        Assert.That(over.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
    }

    private async Task<int> StoredAsync(string tenant, string prefix)
        => (await Backend.DumpStoreAsync()).Count(r => r.StartsWith(Keys.Tenant(tenant) + " " + prefix, StringComparison.Ordinal));
}
