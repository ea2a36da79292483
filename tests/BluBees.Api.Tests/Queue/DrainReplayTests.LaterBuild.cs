using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Queue;

/// <summary>
/// The same drain, then a rollback: the build that ran the event first is taken to be a later one, which wrote the
/// items the restart reads with a member this build does not know (written into the data directory while no backend
/// runs). The worker's replay check and its exhausted records are bookkeeping, read tolerantly (the run-record cases
/// are the <c>recordByLaterBuild</c> variants of the tests in DrainReplayTests.cs; the rule head's is here).
/// </summary>
public sealed partial class DrainReplayTests
{
    /// <summary>
    /// Before: the exhausted path listed the rule heads strictly; one head a later build wrote threw, and the message
    /// left a single <c>delivery_exhausted</c> record for the rule <c>unknown</c> instead of the one of the rule it was for.
    /// </summary>
    [Test]
    public async Task A_message_exhausted_after_a_drain_records_the_rule_whose_head_a_later_build_wrote()
    {
        await using var api = await TwoCallsApi.StartAsync();
        var tenant = Samples.NewTenant();
        var settings = new Dictionary<string, string> { ["Runs__DrainSeconds"] = "1", ["Runs__MaxDrains"] = "1" };
        var (finished, cutOff) = await DrainMidEventAsync(api, tenant, settings);
        await AsLaterBuildWroteAsync(tenant, "RULE#", RuleIds[NameOf(cutOff)]);

        api.Release();
        await using var second = await BackendProcess.StartAsync(DataDirectory, settings);
        var byRule = await ExhaustedRunsAsync(second, tenant);
        Assert.Multiple(() =>
        {
            Assert.That(byRule.Keys, Is.EquivalentTo(new[] { RuleIds[NameOf(finished)], RuleIds[NameOf(cutOff)] }), "no record for the rule 'unknown'");
            Assert.That(byRule[RuleIds[NameOf(finished)]], Is.EqualTo("succeeded"));
            Assert.That(byRule[RuleIds[NameOf(cutOff)]], Is.EqualTo("failed delivery_exhausted"), "the event was lost for it, and its record says so");
            Assert.That(api.Calls, Has.Count.EqualTo(2), "nothing ran again");
        });
    }

    private static string NameOf(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static async Task<Dictionary<string, string>> ExhaustedRunsAsync(BackendProcess backend, string tenant)
    {
        var runs = await Waits.UntilAsync(
            () => RunsAsync(backend, tenant), r => r.Any(x => x!["errorCategory"]?.GetValue<string>() == "delivery_exhausted"), Generous);
        return runs.ToDictionary(r => r!["ruleId"]!.GetValue<string>(), r => $"{r!["status"]} {r["errorCategory"]}".Trim());
    }

    /// <summary>Rewrites the tenant's items under <paramref name="prefix"/> of the rule with a member this build does not know.</summary>
    private async Task AsLaterBuildWroteAsync(string tenant, string prefix, string ruleId)
    {
        using var store = new SqliteStore(Options.Create(new StorageOptions { DataDirectory = DataDirectory }), TimeProvider.System);
        var partition = store.ForTenant(new TenantId(tenant));
        var page = await partition.QueryAsync(new TenantQuery(prefix) { Limit = 100 }, CancellationToken.None);
        var rewritten = 0;
        foreach (var item in page.Items)
        {
            var document = JsonNode.Parse(item.Data)!.AsObject();
            if ((string?)document["ruleId"] == ruleId || (string?)document["id"] == ruleId)
            {
                await partition.PutAsync(item with { Data = "{\"laterBuildMember\":{\"kept\":1}," + item.Data[1..] }, CancellationToken.None);
                rewritten++;
            }
        }

        Assert.That(rewritten, Is.EqualTo(1), $"one {prefix} item of rule {ruleId}");
    }
}
