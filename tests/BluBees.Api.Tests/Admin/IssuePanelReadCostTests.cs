using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// The issue panel opens with every issue view: its two reads (the issue's runs with their rules' names, the manual
/// rules it may offer) take the rule heads through the stamp and cache, not a query and parse of every head of the
/// tenant per view (up to the rule limit).
/// </summary>
public sealed class IssuePanelReadCostTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new QueryTally(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, sp.GetRequiredService<QueryTally>()));
    };

    [Test]
    public async Task Panel_reads_after_the_first_query_no_rule_heads()
    {
        var tenant = Samples.NewTenant();
        var connection = await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "s"), 201);
        var manual = Samples.Rule((string)connection["id"]!);
        manual["trigger"] = new JsonObject { ["type"] = "manual" };
        var ruleId = (string)(await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, manual, 201))["id"]!;
        var tally = Backend.Services.GetRequiredService<QueryTally>();

        var before = tally.RuleHeadQueries;
        for (var i = 0; i < 3; i++)
        {
            var offered = (await Backend.JsonAsync(HttpMethod.Get, "/api/issues/OPS-1/manual-rules", tenant))["items"]!.AsArray();
            Assert.That(offered.Select(r => (string)r!["id"]!), Is.EqualTo(new[] { ruleId }));
            await Backend.JsonAsync(HttpMethod.Get, "/api/issues/OPS-1/runs?issueId=11", tenant);
        }

        // The first read may load the list (the save cleared this process's cache); the others reuse it.
        Assert.That(tally.RuleHeadQueries - before, Is.LessThanOrEqualTo(1));
    }
}
