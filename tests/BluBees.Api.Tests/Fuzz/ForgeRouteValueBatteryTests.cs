using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static BluBees.Api.Tests.Fuzz.RouteFuzzHelpers;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// Every route outside <c>/api</c> that reads a body (Forge event ingress, the life-cycle routes, the signed webhook
/// ingress, the development token issuer), read from the app's own endpoint table so that a route added later fails
/// here until it has a valid body in <see cref="Bodies"/>, attacked at every node of each valid body with the value
/// mutations of <see cref="ValueMutations"/> (the <c>/api</c> routes have <see cref="Contract.AdminBodyBatteryTests"/>).
/// Each answer is below 500, a 4xx is a ProblemDetails naming the field, and every event the ingress accepted (202
/// <c>accepted</c>) leaves exactly one run record: nothing accepted is lost, nothing runs twice.
/// </summary>
public sealed class ForgeRouteValueBatteryTests : BackendFixture
{
    private string _tenant = null!;
    private string _ruleId = null!;
    private string _hookRuleId = null!;
    private string _hookId = null!;
    private string _hookSecret = null!;
    private long _stamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private int _envelopes;

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(_tenant);
        var rule = Samples.Rule(connection, "every event");
        rule["trigger"] = new JsonObject { ["type"] = "event", ["events"] = new JsonArray("avi:jira:created:issue", "avi:jira:updated:issue", "avi:jira:commented:issue", "avi:jira:deleted:issue") };
        rule.Remove("conditions");
        _ruleId = (await CreateRuleAsync(_tenant, rule))["id"]!.GetValue<string>();
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", _tenant, new JsonObject { ["name"] = "orders" }, 201);
        _hookId = hook["id"]!.GetValue<string>();
        _hookSecret = hook["secret"]!.GetValue<string>();
        var hookRule = Samples.Rule(connection, "hook rule");
        hookRule["trigger"] = new JsonObject { ["type"] = "webhook", ["webhookId"] = _hookId };
        hookRule.Remove("conditions");
        _hookRuleId = (await CreateRuleAsync(_tenant, hookRule))["id"]!.GetValue<string>();
    }

    /// <summary>How a body is sent: as it is, as the signed body of a webhook envelope, or as an envelope whose placeholders are filled.</summary>
    public enum Send { Plain, SignedBody, Envelope, NewTenant, Anonymous }

    /// <summary>(name, route, valid body, how it is sent, whether a refusal must name the field).</summary>
    private static readonly (string Name, string Route, Func<JsonObject> Body, Send Send, bool NamesField)[] Bodies =
    [
        ("event created", "POST /forge/events", () => SampleEvents.Fixture("created"), Send.Plain, true),
        ("event updated", "POST /forge/events", () => SampleEvents.Fixture("updated"), Send.Plain, true),
        ("event commented", "POST /forge/events", () => SampleEvents.Fixture("commented"), Send.Plain, true),
        ("event deleted", "POST /forge/events", () => SampleEvents.Fixture("deleted"), Send.Plain, true),
        ("event under payload", "POST /forge/events", () => new JsonObject { ["payload"] = SampleEvents.Fixture("updated") }, Send.Plain, true),
        ("installed", "POST /forge/lifecycle", () => new JsonObject { ["eventType"] = "avi:forge:installed:app", ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "lifecycle" } }, Send.Plain, true),
        // https://developer.atlassian.com/platform/forge/events-reference/life-cycle/ (the payload without an event type)
        ("documented life-cycle payload", "POST /forge/lifecycle", () => new JsonObject { ["id"] = "ari:cloud:ecosystem::installation/1", ["installerAccountId"] = "557058:abc", ["app"] = new JsonObject { ["id"] = "ari:cloud:ecosystem::app/1", ["version"] = "1.0.0" } }, Send.Plain, true),
        ("webhook envelope", "POST /forge/webhook", () => new JsonObject { ["hookId"] = "{hook}", ["signature"] = "{signature}", ["timestamp"] = "{timestamp}", ["contentType"] = "application/json", ["body"] = "{\"note\":\"rush\"}" }, Send.Envelope, true),
        ("webhook body", "POST /forge/webhook", () => new JsonObject { ["order"] = new JsonObject { ["id"] = "A-1", ["qty"] = 2, ["lines"] = new JsonArray(new JsonObject { ["sku"] = "s" }) }, ["note"] = "rush" }, Send.SignedBody, true),
        ("scheduled", "POST /forge/scheduled", () => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "scheduled" }, ["contextToken"] = "opaque" }, Send.Plain, false),
        ("pre-uninstall", "POST /forge/uninstall", () => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-1", ["moduleKey"] = "pre-uninstall" }, ["contextToken"] = "opaque" }, Send.NewTenant, false),
    ];

    [Test]
    public void Every_route_outside_the_api_that_takes_a_body_has_a_valid_body_here()
    {
        var routes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/');
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                if (method is "POST" or "PUT" or "PATCH" && !template.StartsWith("/api/", StringComparison.Ordinal))
                {
                    routes.Add($"{method} {template.TrimEnd('/')}");
                }
            }
        }

        Assert.That(routes, Is.Not.Empty);
        Assert.That(routes.Except(Bodies.Select(b => b.Route)), Is.Empty, "a route outside /api that takes a body has no valid body in this battery");
    }

    private static IEnumerable<TestCaseData> Cases() => Bodies.Select((b, i) => new TestCaseData(i).SetName("values: " + b.Name));

    [TestCaseSource(nameof(Cases))]
    public async Task Every_node_given_a_wrong_value_is_accepted_whole_or_a_4xx_naming_it(int index)
    {
        var (name, route, make, send, namesField) = Bodies[index];
        // The rule an accepted body runs: every event runs the event rule, every webhook delivery the hook's rule.
        var rule = route switch { "POST /forge/events" => _ruleId, "POST /forge/webhook" => _hookRuleId, _ => null };
        await Waits.UntilAsync(QueuedAsync, n => n == 0, TimeSpan.FromMinutes(5));
        var before = rule is null ? 0 : await CountRunsAsync(rule);
        var logged = Backend.Logs.Lines.Count;
        var accepted = 0;
        using (var unmutated = await SendAsync(route, send, make(), fresh: true))
        {
            Assert.That((int)unmutated.StatusCode, Is.InRange(200, 299), $"the unmutated body of {name}: {await unmutated.Content.ReadAsStringAsync()}");
            accepted += await AcceptedAsync(unmutated);
        }

        var failures = new List<string>();
        foreach (var (label, body, field) in ValueMutations.All(make()))
        {
            using var response = await SendAsync(route, send, body, fresh: !label.StartsWith("timestamp", StringComparison.Ordinal) && !label.StartsWith("payload.timestamp", StringComparison.Ordinal));
            var problem = await CheckAsync(response, namesField ? (send == Send.SignedBody ? "body" : field) : null);
            if (problem is not null)
            {
                failures.Add($"{label}: {problem}");
            }
            else
            {
                accepted += await AcceptedAsync(response);
            }
        }

        using var health = await Backend.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the app still answers");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(60)));

        // Every body accepted ran once: the run log gained one finished run per acceptance, and no more.
        if (rule is not null)
        {
            Assert.That(accepted, Is.GreaterThan(0), "the unmutated body at least was accepted");
            await Waits.UntilAsync(() => CountRunsAsync(rule), n => n >= before + accepted, TimeSpan.FromMinutes(5));
            await Waits.UntilAsync(QueuedAsync, n => n == 0, TimeSpan.FromMinutes(5));
            Assert.That(await CountRunsAsync(rule), Is.EqualTo(before + accepted), "one run record for each body accepted");
        }

        var errors = Backend.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors.Take(10).Select(Cut)));
    }

    /// <summary>1 when the ingress accepted the body as new work (202 <c>accepted</c>), else 0 (filtered, ignored, a duplicate, a refusal).</summary>
    private static async Task<int> AcceptedAsync(HttpResponseMessage response)
        => response.StatusCode == HttpStatusCode.Accepted && JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>() == "accepted" ? 1 : 0;

    private async Task<int> QueuedAsync()
        => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=200", _tenant))["items"]!.AsArray().Count(r => r!["status"]?.GetValue<string>() is "queued" or "running");

    private async Task<int> CountRunsAsync(string ruleId)
    {
        var count = 0;
        string? cursor = null;
        do
        {
            var page = await Backend.JsonAsync(HttpMethod.Get, $"/api/runs?ruleId={ruleId}&limit=200" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)), _tenant);
            count += page["items"]!.AsArray().Count(r => r!["status"]?.GetValue<string>() is not ("queued" or "running"));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return count;
    }

    private async Task<HttpResponseMessage> SendAsync(string route, Send send, JsonObject body, bool fresh)
    {
        var path = route.Split(' ')[1];
        if (fresh)
        {
            var stamp = Interlocked.Increment(ref _stamp).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var target = body["payload"] is JsonObject nested ? nested : body;
            if (target["timestamp"] is JsonValue v && v.TryGetValue<string>(out var t) && t.All(char.IsAsciiDigit))
            {
                target["timestamp"] = stamp;
            }
        }

        var text = send switch
        {
            Send.SignedBody => Envelope(ValueMutations.Render(body)),
            Send.Envelope => FillEnvelope(body),
            _ => ValueMutations.Render(body),
        };
        if (send == Send.Anonymous)
        {
            return await Backend.Client.PostAsync(path, new StringContent(text, Encoding.UTF8, "application/json"));
        }

        var tenant = send == Send.NewTenant ? Samples.NewTenant() : _tenant;
        return await Backend.SendWithTokenAsync(HttpMethod.Post, path, Issuer.MintFor(path, tenant), text, withUserToken: false);
    }

    private string Envelope(string raw)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["hookId"] = _hookId, ["signature"] = Sign(timestamp, raw), ["timestamp"] = timestamp, ["contentType"] = "application/json", ["body"] = "BODY",
        }.ToJsonString().Replace("\"BODY\"", JsonSerialize(raw), StringComparison.Ordinal);
    }

    /// <summary>A JSON string of <paramref name="raw"/>, a lone surrogate escape in it kept as the escape it was.</summary>
    private static string JsonSerialize(string raw) => System.Text.Json.JsonSerializer.Serialize(raw).Replace("\\\\ud800", "\\ud800", StringComparison.Ordinal);

    private string Sign(string timestamp, string raw)
        => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_hookSecret), Encoding.UTF8.GetBytes($"{timestamp}.{raw}")));

    /// <summary>The envelope's placeholders filled: the hook, a signature of the body as sent, and a time within the window that differs each time (no replay).</summary>
    private string FillEnvelope(JsonObject body)
    {
        var step = 240 - (Interlocked.Increment(ref _envelopes) % 240);
        var now = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - step).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var raw = body["body"] is JsonValue b && b.TryGetValue<string>(out var t) ? t : string.Empty;
        var stamp = body["timestamp"] is JsonValue s && s.TryGetValue<string>(out var st) && st == "{timestamp}" ? now : body["timestamp"]?.ToJsonString().Trim('"') ?? string.Empty;
        return ValueMutations.Render(body)
            .Replace("\"{hook}\"", "\"" + _hookId + "\"", StringComparison.Ordinal)
            .Replace("\"{signature}\"", "\"" + Sign(stamp, raw) + "\"", StringComparison.Ordinal)
            .Replace("\"{timestamp}\"", "\"" + now + "\"", StringComparison.Ordinal);
    }
}
