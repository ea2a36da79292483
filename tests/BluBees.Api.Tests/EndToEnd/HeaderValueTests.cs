using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// HTTP header values are ASCII on the wire (the client refuses anything else while sending). A header rendered from
/// issue data outside ASCII is a template error of the step, the same in the run and the dry run, and nothing is sent;
/// a constant header value that could never be sent is refused when the rule is saved, naming the header.
/// </summary>
[TestFixture]
public sealed class HeaderValueTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _thirdParty = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _thirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _thirdParty.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private async Task<JsonObject> RuleWithHeaderAsync(string tenant, string headerValue)
    {
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, Samples.Canary("secret")), 201);
        var rule = Samples.Rule(connection["id"]!.GetValue<string>());
        rule["steps"]![0]!["headers"] = new JsonObject { ["X-Summary"] = headerValue };
        return rule;
    }

    [Test]
    public async Task A_header_rendered_outside_ASCII_fails_the_step_as_a_template_error_in_the_run_and_the_dry_run_and_sends_nothing()
    {
        var tenant = Samples.NewTenant();
        var rule = await RuleWithHeaderAsync(tenant, "{{ issue.fields.summary }}");
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var evt = Samples.Event("OPS-41", "Café ☕ checkout broken");
        var before = _thirdParty.Received.Count;

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var step = runs["items"]![0]!["steps"]![0]!;
        Assert.That(step["status"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(step["errorCategory"]!.GetValue<string>(), Is.EqualTo("template_error"), step.ToJsonString());
        Assert.That(_thirdParty.Received, Has.Count.EqualTo(before), "nothing was sent");

        var dry = await _backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule.DeepClone(), ["event"] = evt.DeepClone() });
        Assert.That(dry["requests"]!.AsArray(), Is.Empty, dry.ToJsonString());
        var error = dry["errors"]!.AsArray().Single()!;
        Assert.That(error["category"]!.GetValue<string>(), Is.EqualTo("template_error"));
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("header 'X-Summary'").And.Contain("ASCII"));
        Assert.That(error["message"]!.GetValue<string>(), Does.Not.Contain("Café"), "the message names the header, never its value");
    }

    [TestCase("Café")]
    [TestCase("line one\nline two")]
    public async Task A_constant_header_value_that_cannot_be_sent_is_refused_at_save_naming_the_header(string value)
    {
        var tenant = Samples.NewTenant();
        var rule = await RuleWithHeaderAsync(tenant, value);

        using var response = await _backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(problem["errors"]!["steps[0].headers.X-Summary"]![0]!.GetValue<string>(), Does.Contain("ASCII").Or.Contain("line break"), problem.ToJsonString());
    }

    [Test]
    public async Task A_content_type_that_is_not_a_media_type_is_refused_at_save_or_fails_the_step_and_the_dry_run_as_a_template_error()
    {
        var tenant = Samples.NewTenant();
        var constant = await RuleWithHeaderAsync(tenant, "x");
        constant["steps"]![0]!["headers"] = new JsonObject { ["Content-Type"] = "json" };
        using (var response = await _backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, constant))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.That(problem["errors"]!["steps[0].headers.Content-Type"]![0]!.GetValue<string>(), Does.Contain("media type"), problem.ToJsonString());
        }

        var rule = await RuleWithHeaderAsync(tenant, "x");
        rule["steps"]![0]!["headers"] = new JsonObject { ["Content-Type"] = "{{ issue.fields.summary }}" };
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var evt = Samples.Event("OPS-42", "plain summary words");
        var before = _thirdParty.Received.Count;

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var step = runs["items"]![0]!["steps"]![0]!;
        Assert.That(step["errorCategory"]!.GetValue<string>(), Is.EqualTo("template_error"), step.ToJsonString());
        Assert.That(_thirdParty.Received, Has.Count.EqualTo(before), "nothing was sent");

        var dry = await _backend.JsonAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule.DeepClone(), ["event"] = evt.DeepClone() });
        var error = dry["errors"]!.AsArray().Single()!;
        Assert.That(error["category"]!.GetValue<string>(), Is.EqualTo("template_error"), dry.ToJsonString());
        Assert.That(error["message"]!.GetValue<string>(), Does.Contain("Content-Type").And.Not.Contain("plain summary"));
    }
}
