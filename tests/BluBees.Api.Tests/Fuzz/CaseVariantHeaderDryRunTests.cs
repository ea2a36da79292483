using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// A step's header names are data: "X-Page" and "x-page" are two entries, saved as sent, and both are sent (one HTTP
/// header with both values). The dry run collected them into a case-insensitive dictionary, which threw on the second
/// spelling: a 500 for a rule that saves and runs. It shows them as sent: one header, the values joined by ", ".
/// </summary>
public sealed class CaseVariantHeaderDryRunTests : BackendFixture
{
    [Test]
    public async Task The_dry_run_of_an_http_step_with_case_variant_headers_shows_both_values()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["steps"]![0]!["headers"] = new JsonObject { ["X-Page"] = "1", ["x-page"] = "2" };

        var dry = await DryRunAsync(tenant, rule);
        var headers = dry["requests"]![0]!["headers"]!.AsObject();
        Assert.That(headers["X-Page"]?.GetValue<string>(), Is.EqualTo("1, 2"), dry.ToJsonString());
        Assert.That(headers.ContainsKey("x-page"), Is.False, dry.ToJsonString());
    }

    [Test]
    public async Task The_dry_run_of_a_transfer_with_case_variant_source_headers_shows_both_values()
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var rule = Samples.Rule(connection);
        rule["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "archive", ["type"] = "transfer",
            ["source"] = new JsonObject { ["connection"] = connection, ["path"] = "/files/1", ["headers"] = new JsonObject { ["Accept"] = "*/*", ["ACCEPT"] = "text/plain" } },
            ["destination"] = new JsonObject { ["connection"] = connection, ["method"] = "PUT", ["path"] = "/store/1", ["headers"] = new JsonObject { ["X-Tag"] = "a", ["x-tag"] = "b" } },
        });

        var dry = await DryRunAsync(tenant, rule);
        var request = dry["requests"]![0]!;
        Assert.That(request["headers"]!["X-Tag"]?.GetValue<string>(), Is.EqualTo("a, b"), dry.ToJsonString());
        Assert.That(request["body"]!["streamedFrom"]!["headers"]!["Accept"]?.GetValue<string>(), Is.EqualTo("*/*, text/plain"), dry.ToJsonString());
    }

    private async Task<JsonNode> DryRunAsync(string tenant, JsonObject rule)
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject { ["rule"] = rule, ["event"] = Samples.Event("OPS-1", "Broken") });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!;
    }
}
