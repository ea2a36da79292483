using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A rule head read before more saves than the history keeps (<c>Rules:VersionsKept</c>, 10 here) pruned its version —
/// a list cached or read at the start of a long message, a dry run's head — loads the rule's current version, not
/// nothing: before, a rule that still exists was then a <c>rule_invalid</c> run (the worker) or a 409 "no longer
/// compiles" (the dry run, shown here: it takes the same load as the worker). The dry run's read of the version is held
/// (a pass-through store) while the rule is saved past the bound; no timing.
/// </summary>
public sealed class PrunedHeadVersionTests : BackendFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Rules:VersionsKept"] = "10" };

    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldReads(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<RuleService>(sp, (IStore)sp.GetRequiredService<HeldReads>()));
    };

    [Test]
    public async Task A_head_whose_version_was_pruned_meanwhile_runs_the_current_version()
    {
        var held = Backend.Services.GetRequiredService<HeldReads>();
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var id = (await CreateRuleAsync(tenant, Samples.Rule(connection, "Pruned head")))["id"]!.GetValue<string>();
        // Not compiled in this process yet (as on another instance, or after the cache let it go): the dry run reads it.
        Backend.Services.GetRequiredService<RuleCache>().RemoveRule(new TenantId(tenant), id, 1);

        held.Hold(Keys.RuleVersion(id, 1));
        Task<HttpResponseMessage> dryRun;
        try
        {
            dryRun = Backend.SendAsync(HttpMethod.Post, $"/api/rules/{id}/dry-run", tenant, new JsonObject { ["event"] = Samples.Event("OPS-306", "Dry run") });
            await Waits.UntilAsync(() => Task.FromResult(held.Held), n => n == 1);
            for (var v = 2; v <= 12; v++)
            {
                var rule = Samples.Rule(connection, "Pruned head");
                rule["steps"]![0]!["id"] = "v" + v;
                await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{id}", tenant, rule);
            }

            Assert.That(await Store().GetAsync(Keys.Tenant(tenant), Keys.RuleVersion(id, 1), default), Is.Null, "version 1 was pruned while the dry run held its head");
        }
        finally
        {
            held.Release();
        }

        using var response = await dryRun;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(result["matched"]!.GetValue<bool>(), Is.True);
        Assert.That(result.ToJsonString(), Does.Contain("v12"), "the current version (12) is the one tried");
    }

    private IStore Store() => Backend.Services.GetRequiredService<IStore>();
}
