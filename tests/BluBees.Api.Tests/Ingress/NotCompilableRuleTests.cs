using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A rule whose stored version this build cannot compile, on Kestrel: here the version a later build wrote with a
/// member this one does not know (a rollback after a deploy). Before, reading it threw JsonException: at the ingress
/// filter, <c>/forge/events</c> answered 500 to every event of the tenant that no other rule (listed before it) fired,
/// and in the worker each event was an <c>internal_error</c> run, with nothing that named the rule or said why. Now
/// each event is accepted, the rule's runs say <c>rule_invalid</c> (what the admin sees, with "open the rule and save
/// it again"), the tenant's other rules run, and one warning names the rule and its version only.
/// </summary>
public sealed class NotCompilableRuleTests : BackendFixture
{
    [Test]
    public async Task A_version_a_later_build_wrote_is_a_rule_invalid_run_per_event_one_warning_and_the_other_rules_still_run()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = (await CreateRuleAsync(tenant, Samples.Rule(connection, "stale")))["id"]!.GetValue<string>();
        var fresh = (await CreateRuleAsync(tenant, Samples.Rule(connection, "fresh")))["id"]!.GetValue<string>();
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var version = await partition.GetAsync(Keys.RuleVersion(stale, 1), CancellationToken.None);
        var marker = Samples.Canary("laterbuild");
        await partition.PutAsync(version!.Sk, version.Data.Replace("\"name\":", $"\"{marker}\":true,\"name\":", StringComparison.Ordinal), CancellationToken.None);
        Backend.Services.GetRequiredService<RuleCache>().Clear(); // as after a restart onto this build

        // Two events both rules listen to, and one of another project that the other rule's trigger filters out: that
        // one reached the stale rule at the ingress whatever the order of the rules, and was the 500.
        foreach (var issue in new[] { "OPS-1", "OPS-2", "WEB-3" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issue, "Reaches the stale rule"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), issue + ": " + await response.Content.ReadAsStringAsync());
        }

        var runs = (await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 5))["items"]!.AsArray();
        var byRule = runs.GroupBy(r => r!["ruleId"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Select(r => r!["errorCategory"]?.GetValue<string>() ?? r!["status"]!.GetValue<string>()).ToList());
        var warnings = Backend.Logs.Lines.Where(l => l.Contains("cannot be compiled", StringComparison.Ordinal) && l.Contains("RuleId=" + stale, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(byRule[stale], Is.EqualTo(new[] { "rule_invalid", "rule_invalid", "rule_invalid" }), "each event that reaches it: a failed run the admin sees");
            Assert.That(byRule[fresh], Is.EqualTo(new[] { "succeeded", "succeeded" }), "the tenant's other rule runs");
            Assert.That(warnings, Has.Count.EqualTo(1), "one warning for the version, not one per event");
            Assert.That(warnings.FirstOrDefault() ?? "", Does.StartWith("Warning ").And.Contains("RuleVersion=1").And.Contains("Reason=unreadable"));
            Assert.That(Backend.Logs.AllText, Does.Not.Contain(marker), "never the stored content");
            Assert.That(Backend.Logs.Lines.Where(l => l.Contains("Unhandled JsonException", StringComparison.Ordinal)), Is.Empty, "no 500 on the way");
        });
    }

    [Test]
    public async Task A_rule_summary_a_later_build_wrote_leaves_that_rule_out_with_one_warning_and_the_other_rules_still_run()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var stale = (await CreateRuleAsync(tenant, Samples.Rule(connection, "stale")))["id"]!.GetValue<string>();
        var fresh = (await CreateRuleAsync(tenant, Samples.Rule(connection, "fresh")))["id"]!.GetValue<string>();
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var head = await partition.GetAsync(Keys.Rule(stale), CancellationToken.None);
        var marker = Samples.Canary("laterhead");
        await partition.PutAsync(head!.Sk, head.Data.Replace("\"name\":", $"\"{marker}\":true,\"name\":", StringComparison.Ordinal), CancellationToken.None);
        Backend.Services.GetRequiredService<RuleCache>().Clear(); // as after a restart onto this build

        // Before: the strict read of the tenant's rule list threw for every event, and /forge/events answered 500.
        foreach (var issue in new[] { "OPS-4", "OPS-5", "WEB-6" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issue, "Reaches both rules"));
            Assert.That((int)response.StatusCode, Is.LessThan(300), issue + ": " + await response.Content.ReadAsStringAsync());
        }

        var runs = (await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2))["items"]!.AsArray();
        var warnings = Backend.Logs.Lines.Where(l => l.Contains("cannot be read by this build", StringComparison.Ordinal) && l.Contains("RuleId=" + stale, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => (r!["ruleId"]!.GetValue<string>(), r["status"]!.GetValue<string>())), Is.EqualTo(new[] { (fresh, "succeeded"), (fresh, "succeeded") }), "the other rule runs; the unreadable one never runs other than as saved");
            Assert.That(warnings, Has.Count.EqualTo(1), "one warning per load of the list, not one per event");
            Assert.That(warnings.FirstOrDefault() ?? "", Does.StartWith("Warning "));
            Assert.That(Backend.Logs.AllText, Does.Not.Contain(marker), "never the stored content");
            Assert.That(Backend.Logs.Lines.Where(l => l.Contains("Unhandled JsonException", StringComparison.Ordinal)), Is.Empty, "no 500 on the way");
        });
    }

    [Test]
    public async Task A_template_that_no_longer_parses_is_a_rule_invalid_run_with_one_warning()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule.Remove("conditions");
        var id = (await CreateRuleAsync(tenant, rule))["id"]!.GetValue<string>();
        var partition = Backend.Services.GetRequiredService<IStore>().ForTenant(new TenantId(tenant));
        var version = await partition.GetAsync(Keys.RuleVersion(id, 1), CancellationToken.None);
        await partition.PutAsync(version!.Sk, version.Data.Replace("{{ issue.key }}", "{{ issue.key ", StringComparison.Ordinal), CancellationToken.None);
        Backend.Services.GetRequiredService<RuleCache>().Clear();

        for (var i = 1; i <= 2; i++)
        {
            using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-" + (10 + i), "Reaches it"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = (await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count >= 2))["items"]!.AsArray();
        var warnings = Backend.Logs.Lines.Where(l => l.Contains("cannot be compiled", StringComparison.Ordinal) && l.Contains("RuleId=" + id, StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r!["errorCategory"]?.GetValue<string>()), Is.EqualTo(new[] { "rule_invalid", "rule_invalid" }));
            Assert.That(warnings, Has.Count.EqualTo(1), "before, no warning at all: only the runs said it");
            Assert.That(warnings.FirstOrDefault() ?? "", Does.Contain("Reason=invalid").And.Not.Contain("issue.key"));
        });
    }
}
