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
    [Test]
    public async Task Rules_created_at_once_one_short_of_the_limit_never_go_past_it()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        for (var i = 0; i < RuleLimits.MaxRulesPerTenant - 1; i++)
        {
            await CreateRuleAsync(tenant, Samples.Rule(connection));
        }

        await LimitRace.CreateAtOnceAsync(Backend, Issuer, tenant, "/api/rules", _ => Samples.Rule(connection), $"at most {RuleLimits.MaxRulesPerTenant} rules");
        Assert.That(await StoredAsync(tenant, Keys.RulePrefix), Is.EqualTo(RuleLimits.MaxRulesPerTenant));
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray(), Has.Count.EqualTo(RuleLimits.MaxRulesPerTenant));
    }

    private async Task<int> StoredAsync(string tenant, string prefix)
        => (await Backend.DumpStoreAsync()).Count(r => r.StartsWith(Keys.Tenant(tenant) + " " + prefix, StringComparison.Ordinal));
}
