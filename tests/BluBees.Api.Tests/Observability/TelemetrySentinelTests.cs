using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace BluBees.Api.Tests.Observability;

/// <summary>
/// With <c>Telemetry:Enabled</c>, no header value of an incoming request (its <c>User-Agent</c> included) and nothing
/// of a failing step's request or answer is in any exported span: tags, display name, status description, events and
/// their tags.
/// </summary>
[TestFixture]
public sealed class TelemetrySentinelTests
{
    private TestIssuer _issuer = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _issuer.DisposeAsync();

    [Test]
    public async Task No_header_value_or_step_data_is_in_any_part_of_an_exported_span()
    {
        var canary = "canary" + Guid.NewGuid().ToString("N")[..16];
        var spans = new List<Activity>();
        await using var target = await LoopbackServer.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = 500;
            ctx.Response.Headers["X-Echo"] = canary;
            await ctx.Response.WriteAsync("error " + canary);
        });
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Telemetry:Enabled"] = "true" }, s =>
            s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));

        var tenant = Samples.NewTenant();
        var rule = Samples.Rule("unused");
        rule["steps"] = new JsonArray(
            new JsonObject { ["id"] = "a", ["type"] = "http", ["method"] = "POST", ["url"] = "http://127.0.0.1:" + target.Address.Port + "/x/{{ issue.fields.summary }}?q={{ issue.fields.summary }}", ["headers"] = new JsonObject { ["X-S"] = "{{ issue.fields.summary }}" }, ["body"] = new JsonObject { ["s"] = "{{ issue.fields.summary }}" }, ["onError"] = "continue" },
            new JsonObject { ["id"] = "b", ["type"] = "http", ["method"] = "GET", ["url"] = "http://127.0.0.1:1/{{ issue.fields.summary }}", ["onError"] = "continue" },
            new JsonObject { ["id"] = "c", ["type"] = "http", ["method"] = "GET", ["url"] = "http://{{ issue.fields.summary }}.invalid/x", ["onError"] = "continue" });
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        backend.Client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "Sender/" + canary);
        backend.Client.DefaultRequestHeaders.TryAddWithoutValidation("traceparent", "00-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)) + "-00f067aa0ba902b7-01");
        backend.Client.DefaultRequestHeaders.TryAddWithoutValidation("tracestate", "sender=" + canary);
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-31", canary), systemToken: "sys-" + canary))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await accepted.Content.ReadAsStringAsync());
        }

        await Waits.UntilAsync(() => backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        backend.Services.GetRequiredService<TracerProvider>().ForceFlush();
        List<Activity> exported;
        lock (spans)
        {
            exported = [.. spans];
        }

        var text = exported.SelectMany(a => a.TagObjects.Select(t => "tag " + t.Key + "=" + t.Value)
            .Append("name " + a.DisplayName).Append("status " + a.StatusDescription).Append("tracestate " + a.TraceStateString)
            .Concat(a.Events.SelectMany(e => e.Tags.Select(t => "event " + e.Name + " " + t.Key + "=" + t.Value).Append("event " + e.Name)))).ToList();
        Assert.That(exported.Where(a => a.Kind == ActivityKind.Client), Is.Not.Empty, "the steps' calls are client spans");
        Assert.That(text.Where(t => t.Contains(canary, StringComparison.OrdinalIgnoreCase)), Is.Empty);
    }
}
