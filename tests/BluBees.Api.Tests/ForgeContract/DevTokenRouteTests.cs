using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// The development issuer (POST /dev/token) mints each route's own module, with a user only for /api: the local UI,
/// the CLI and the end-to-end test keep working against routes that refuse other modules' tokens.
/// </summary>
public sealed class DevTokenRouteTests
{
    [Test]
    public async Task Dev_tokens_open_exactly_the_route_they_are_minted_for()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });
        var tenant = Samples.NewTenant();

        async Task<string> MintAsync(object body)
        {
            using var response = await backend.Client.PostAsJsonAsync("/dev/token", body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        }

        var ui = await MintAsync(new { tenantId = tenant, accountId = "dev-admin" });
        var events = await MintAsync(new { tenantId = tenant, accountId = "dev-admin", path = "/forge/events" });
        var uninstall = await MintAsync(new { tenantId = tenant, module = "uninstall" });

        using var uiOnApi = await backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", ui, withUserToken: false);
        using var uiOnEvents = await backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", ui, Samples.Event("OPS-1", "x"), withUserToken: false);
        using var eventsOnEvents = await backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", events, Samples.Event("OPS-2", "y"), withUserToken: false);
        using var eventsOnApi = await backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", events, withUserToken: false);
        using var uninstallOnLifecycle = await backend.SendWithTokenAsync(HttpMethod.Post, "/forge/lifecycle", uninstall, new { eventType = "avi:forge:installed:app" }, withUserToken: false);
        Assert.Multiple(() =>
        {
            Assert.That(uiOnApi.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(uiOnEvents.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(eventsOnEvents.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK), "a /forge/* dev token names no user even when one is asked for (200: filtered, no rule)");
            Assert.That(eventsOnApi.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(uninstallOnLifecycle.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        });

        using var unknown = await backend.Client.PostAsJsonAsync("/dev/token", new { tenantId = tenant, module = "everything" });
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [TestCase("")]
    [TestCase("x201")]
    public async Task A_tenant_id_no_route_would_accept_is_a_400_naming_it_not_a_token(string tenantId)
    {
        // Minted before, it was refused by every route as "The Forge Invocation Token is not valid" (401).
        tenantId = tenantId == "x201" ? new string('x', 201) : tenantId;
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });

        using var response = await backend.Client.PostAsJsonAsync("/dev/token", new { tenantId });
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "tenantId" }), text);
    }

    /// <summary>Bad bodies and methods on the dev routes (not in docs/openapi.json; loopback only): never a 5xx, a 4xx is a ProblemDetails that quotes nothing.</summary>
    [Test]
    public async Task Bad_input_on_the_dev_routes_is_a_4xx_problem_never_a_5xx()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });
        var canary = Samples.Canary("dev");
        var bodies = new (string Name, byte[] Body, string? Type)[]
        {
            ("array root", "[1]"u8.ToArray(), "application/json"), ("null root", "null"u8.ToArray(), "application/json"),
            ("number root", "1e400"u8.ToArray(), "application/json"), ("empty with a type", [], "application/json"),
            ("invalid UTF-8", [.. System.Text.Encoding.UTF8.GetBytes("{\"tenantId\":\"" + canary), 0xC3, 0x28, .. "\"}"u8.ToArray()], "application/json"),
            ("duplicate keys", System.Text.Encoding.UTF8.GetBytes("{\"path\":\"/api/me\",\"path\":\"" + canary + "\"}"), "application/json"),
            ("wrong types", System.Text.Encoding.UTF8.GetBytes("{\"tenantId\":5,\"accountId\":{},\"path\":[],\"module\":true,\"cloudId\":1e400}"), "application/json"),
            ("unknown module and path", System.Text.Encoding.UTF8.GetBytes("{\"module\":\"" + canary + "\",\"path\":\"/forge\"}"), "application/json"),
            ("a path of /forge/", System.Text.Encoding.UTF8.GetBytes("{\"path\":\"/forge/\"}"), "application/json"),
            ("1,000 deep", System.Text.Encoding.UTF8.GetBytes("{\"a\":" + new string('[', 1000) + new string(']', 1000) + "}"), "application/json"),
            ("huge", System.Text.Encoding.UTF8.GetBytes("{\"tenantId\":\"" + new string('t', 5000) + canary + "\"}"), "application/json"),
            ("text", System.Text.Encoding.UTF8.GetBytes("{\"tenantId\":\"" + canary + "\"}"), "text/plain"),
        };
        var failures = new List<string>();
        foreach (var (name, body, type) in bodies)
        {
            using var content = new ByteArrayContent(body);
            if (type is not null)
            {
                content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(type);
            }

            using var response = await backend.Client.PostAsync("/dev/token", content);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            if (status >= 500 || status is >= 400 and < 500 && (response.Content.Headers.ContentType?.MediaType != "application/json" || JsonNode.Parse(text)?["status"]?.GetValue<int>() != status || text.Contains(canary, StringComparison.Ordinal)))
            {
                failures.Add($"{name}: {status} {(text.Length > 200 ? text[..200] : text)}");
            }
        }

        foreach (var (method, path) in new[] { ("GET", "/dev/token"), ("DELETE", "/dev/token"), ("POST", "/dev/jwks.json") })
        {
            using var response = await backend.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            if ((int)response.StatusCode is not (401 or 405))
            {
                failures.Add($"{method} {path}: {(int)response.StatusCode}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public async Task An_empty_account_id_is_a_400_naming_it_not_a_token_no_api_route_accepts()
    {
        // Minted before, its token was refused by every /api route as "not made by a signed-in Jira user" (403).
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" });

        // Nor one that is not an account id at all: its token's principal would make it malformed (401 on every route).
        foreach (var accountId in new[] { string.Empty, " ", "dev admin", "dev-admin\n", new string('a', 129) })
        {
            using var response = await backend.Client.PostAsJsonAsync("/dev/token", new { accountId });
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
            Assert.That(JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { "accountId" }), text);
        }
    }
}
