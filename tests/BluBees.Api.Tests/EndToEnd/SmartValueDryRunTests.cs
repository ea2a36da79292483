using System.Globalization;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>A dry run renders Jira-style smart values exactly as the run would: <c>{{now}}</c> is the run's start on the injected clock.</summary>
[TestFixture]
public sealed class SmartValueDryRunTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, null, services => services.AddSingleton<TimeProvider>(_time));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_dry_run_shows_now_and_Jira_style_values_rendered()
    {
        var tenant = Samples.NewTenant();
        var rule = new JsonObject
        {
            ["name"] = "Copied from Jira Automation",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "note",
                ["type"] = "jira.comment",
                ["body"] = "{{triggerIssue.key}}: {{issue.summary.toUpperCase()}} at {{now}}, due {{now.plusDays(3).format(\"yyyy-MM-dd\")}} ({{ now | plus_business_days: 1 | jira_date }})",
            }),
        };

        var result = await _backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = Samples.Event("OPS-77", "Dry smart") });

        Assert.That(result["errors"]!.AsArray(), Is.Empty);
        var text = result["requests"]![0]!["body"]!["body"]!["content"]![0]!["content"]![0]!["text"]!.GetValue<string>(); // the ADF comment body
        var now = _time.GetUtcNow();
        var c = CultureInfo.InvariantCulture;
        var nextBusinessDay = now.AddDays(now.DayOfWeek switch { DayOfWeek.Friday => 3, DayOfWeek.Saturday => 2, _ => 1 });
        Assert.That(text, Is.EqualTo(
            $"OPS-77: DRY SMART at {now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", c)}+0000, due {now.AddDays(3).ToString("yyyy-MM-dd", c)} ({nextBusinessDay.ToString("yyyy-MM-dd", c)})"));
    }

    [Test]
    public async Task An_unsupported_Jira_function_is_refused_at_save_with_the_field_named()
    {
        var tenant = Samples.NewTenant();
        var rule = new JsonObject
        {
            ["name"] = "Regex",
            ["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:updated:issue") },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "note", ["type"] = "jira.comment", ["body"] = "{{ issue.summary.match(\"(a+)+\") }}" }),
        };

        using var response = await _backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);

        Assert.That((int)response.StatusCode, Is.EqualTo(400));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["errors"]!["steps[0].body"]![0]!.GetValue<string>(), Does.Contain("function 'match' is not supported"));
    }
}
