using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A step whose URL host is rendered from issue data: the run record, the runs API, the store and the logs name only
/// the fixed marker <c>(templated)</c>, never the rendered host (which carries the issue's data).
/// </summary>
[TestFixture]
public sealed class TemplatedHostTests : BackendFixture
{
    [Test]
    public async Task A_host_rendered_from_issue_data_appears_in_no_record_response_store_item_or_log_line()
    {
        var tenant = Samples.NewTenant();
        var canary = "canary-host-" + Guid.NewGuid().ToString("N");
        var rule = Samples.Rule("unused");
        rule["steps"] = new JsonArray(
            new JsonObject
            {
                ["id"] = "hook",
                ["type"] = "http",
                ["method"] = "POST",
                ["url"] = "http://{{ issue.fields.summary }}.invalid/hooks/{{ issue.key }}",
                ["body"] = new JsonObject { ["key"] = "{{ issue.key }}" },
                ["onError"] = "continue",
            },
            new JsonObject
            {
                ["id"] = "copy",
                ["type"] = "transfer",
                ["source"] = new JsonObject { ["url"] = "http://{{ issue.fields.summary }}.invalid/file" },
                ["destination"] = new JsonObject { ["url"] = "http://127.0.0.1:9/upload" },
            });
        await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        using var accepted = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-31", canary));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        var steps = run["steps"]!.AsArray();
        Assert.That(steps.Select(s => s!["host"]?.GetValue<string>()), Is.EqualTo(new[] { "(templated)", "(templated)" }));
        Assert.That(steps.Select(s => s!["status"]!.GetValue<string>()), Is.All.EqualTo("failed"), "the rendered hosts do not resolve");
        var detail = await Backend.JsonAsync(HttpMethod.Get, "/api/runs/" + run["id"]!.GetValue<string>(), tenant);

        var store = string.Join('\n', await Backend.DumpStoreAsync());
        var logs = Backend.Logs.AllText;
        Assert.That(logs, Does.Contain(run["id"]!.GetValue<string>()), "the log capture must actually see run lines");
        Assert.That(runs.ToJsonString(), Does.Not.Contain(canary).IgnoreCase, "runs API");
        Assert.That(detail.ToJsonString(), Does.Not.Contain(canary).IgnoreCase, "run detail API");
        Assert.That(store, Does.Not.Contain(canary).IgnoreCase, "stored items");
        Assert.That(Backend.DumpDataDirectory(), Does.Not.Contain(canary).IgnoreCase, "data directory bytes");
        Assert.That(logs, Does.Not.Contain(canary).IgnoreCase, "log lines at every level");
    }
}
