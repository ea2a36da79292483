using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Every route the app maps (the endpoint data source, so a route added later is in it), called by tenant B — a Jira
/// administrator of B's own site, allowed to browse and edit every issue there, and B's support engineer with B's
/// grant — with tenant A's real ids in the path and the body, A's installation id in the body and in tenant-looking
/// headers, A's cloud id in cloud-looking ones, and proxy headers naming A's support path (<c>X-Original-URL</c>,
/// <c>X-Rewrite-URL</c>, <c>X-Forwarded-Prefix</c>) or a local caller (<c>X-Forwarded-For</c>, <c>Forwarded</c>). Each route whose path names a resource answers 404; no answer carries anything of A (an id, a name, the
/// grant's reason) that the request did not itself send; and afterwards not one item of A's partition (or of A's
/// directory entry) has changed, even after B's uninstall. A route with a path parameter this battery does not know
/// fails it, naming the parameter: a new route must say which of A's values it is probed with.
/// </summary>
public sealed partial class EveryRouteCrossTenantTests : SupportFixture
{
    private string _a = null!;
    private string _b = null!;
    private readonly Dictionary<string, string> _ofA = new(StringComparer.Ordinal);
    private string _issueOfA = null!;

    [OneTimeSetUp]
    public async Task PopulateTenantAAsync()
    {
        _a = Samples.NewTenant();
        _b = Samples.NewTenant();
        foreach (var tenant in new[] { _a, _b })
        {
            using var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
            Assert.That(installed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var connection = Samples.Connection(ThirdParty.Address, Samples.Canary("secret"));
        _ofA["connectionName"] = connection["name"]!.GetValue<string>();
        _ofA["connection"] = (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", _a, connection, 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(_ofA["connection"], "A rule " + Guid.NewGuid().ToString("N")[..8]);
        _ofA["ruleName"] = rule["name"]!.GetValue<string>();
        _ofA["rule"] = (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", _a, rule, 201))["id"]!.GetValue<string>();
        await Backend.JsonAsync(HttpMethod.Put, $"/api/rules/{_ofA["rule"]}", _a, rule); // a second version
        var manual = new JsonObject
        {
            ["name"] = "A manual " + Guid.NewGuid().ToString("N")[..8],
            ["trigger"] = new JsonObject { ["type"] = "manual" },
            ["steps"] = new JsonArray(new JsonObject { ["id"] = "s", ["type"] = "http", ["connection"] = _ofA["connection"], ["method"] = "POST", ["path"] = "/manual" }),
        };
        _ofA["manualName"] = manual["name"]!.GetValue<string>();
        _ofA["manual"] = (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", _a, manual, 201))["id"]!.GetValue<string>();
        var hookName = "A hook " + Guid.NewGuid().ToString("N")[..8];
        var hook = await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", _a, new JsonObject { ["name"] = hookName }, 201);
        _ofA["hookName"] = hookName;
        _ofA["hook"] = hook["id"]!.GetValue<string>();
        _ofA["hookSecret"] = hook["secret"]!.GetValue<string>();
        _ofA["grantReason"] = Samples.Canary("reason");
        _ofA["grant"] = (await GrantAsync(_a, reason: _ofA["grantReason"]))["id"]!.GetValue<string>();
        using (var read = await SupportGetAsync(RunsPath(_a)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an audit entry in A");
        }

        _issueOfA = "OPS-" + Random.Shared.Next(100, 99999);
        using (var evt = await Backend.SendAsync(HttpMethod.Post, "/forge/events", _a, Samples.Event(_issueOfA, "A only")))
        {
            Assert.That(evt.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", _a), r => r["items"]!.AsArray().Count > 0);
        _ofA["run"] = runs["items"]![0]!["id"]!.GetValue<string>();

        // A "why didn't it run?" entry (another project: the trigger stops it).
        using (var other = await Backend.SendAsync(HttpMethod.Post, "/forge/events", _a, Samples.Event("WEB-" + Random.Shared.Next(100, 99999), "A only")))
        {
            Assert.That(other.IsSuccessStatusCode, Is.True, "filtered (200), its trace entry written");
        }

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{_ofA["rule"]}/trace", _a), t => t["items"]!.AsArray().Count > 0);
        await GrantAsync(_b, reason: "B's own");
    }

    [Test]
    public async Task Every_route_called_by_another_tenant_with_this_tenants_ids_finds_nothing_shows_nothing_and_changes_nothing()
    {
        var before = await PartitionOfAAsync();
        Assert.That(before, Has.Some.Contains("#" + _ofA["connection"]).And.Some.Contains("#" + _ofA["run"]), "the snapshot sees A's items");

        var wrong = new List<string>();
        var probed = new List<string>();
        foreach (var (method, pattern) in Routes())
        {
            if (pattern is "/health" or "/ready")
            {
                continue;
            }

            var unknown = Parameter().Matches(pattern).Select(m => m.Groups[1].Value).Where(p => ValueOfA(pattern, p) is null).ToList();
            if (unknown.Count > 0)
            {
                wrong.Add($"{method} {pattern}: no value of tenant A for {{{string.Join("}, {", unknown)}}}; add it to {nameof(ValueOfA)}");
                continue;
            }

            var path = Parameter().Replace(pattern, m => Uri.EscapeDataString(ValueOfA(pattern, m.Groups[1].Value)!));
            var body = Body(method, pattern)?.ToJsonString();
            var (status, text) = await SendAsB(method, pattern, path, body);
            probed.Add($"{method} {pattern}");

            if (NamesAResource(pattern) && status != HttpStatusCode.NotFound)
            {
                wrong.Add($"{method} {path}: {(int)status}, expected 404 (A's id does not exist for B): {Cut(text)}");
            }

            if (status is HttpStatusCode.InternalServerError or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                // B is let in everywhere (its own administrator, issue rights and grant): the probe reached the handler.
                wrong.Add($"{method} {path}: {(int)status}, so the probe never reached the route's own code: {Cut(text)}");
            }

            TestContext.Out.WriteLine($"{(int)status} {method} {pattern}");

            var sent = path + "\n" + body;
            foreach (var (what, value) in _ofA.Append(new("tenant", _a)))
            {
                if (text.Contains(value, StringComparison.Ordinal) && !sent.Contains(value, StringComparison.Ordinal))
                {
                    wrong.Add($"{method} {path}: the answer shows A's {what}: {Cut(text)}");
                }
            }
        }

        Assert.That(probed, Has.Count.GreaterThan(35), "the enumeration must reach the app's routes, support and Forge routes included");
        Assert.That(probed, Does.Contain("POST /forge/uninstall").And.Contain("GET /support/tenants/{tenantId}/runs/{runId}").And.Contain("DELETE /api/support/grants/{id}"));
        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));

        var after = await PartitionOfAAsync();
        Assert.That(after, Is.EqualTo(before), "nothing of A changed");
        var rule = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{_ofA["rule"]}", _a);
        Assert.That((rule["version"]!.GetValue<int>(), rule["enabled"]!.GetValue<bool>()), Is.EqualTo((2, true)));
        using var stillOpen = await SupportGetAsync(RunsPath(_a));
        Assert.That(stillOpen.StatusCode, Is.EqualTo(HttpStatusCode.OK), "A's grant was not revoked by B");
    }

    /// <summary>A's value for a route parameter (the resource the route's family names), or null when unknown.</summary>
    private string? ValueOfA(string pattern, string parameter) => parameter switch
    {
        "version" => "1",
        "key" => _issueOfA,
        "tenantId" => _b, // B's support engineer, on B's own grant, asks for A's run: an IDOR, not a grant check
        "runId" => _ofA["run"],
        "id" when pattern.StartsWith("/api/connections/", StringComparison.Ordinal) => _ofA["connection"],
        "id" when pattern.EndsWith("/run", StringComparison.Ordinal) => _ofA["manual"],
        "id" when pattern.StartsWith("/api/rules/", StringComparison.Ordinal) => _ofA["rule"],
        "id" when pattern.StartsWith("/api/webhooks/", StringComparison.Ordinal) => _ofA["hook"],
        "id" when pattern.StartsWith("/api/runs/", StringComparison.Ordinal) => _ofA["run"],
        "id" when pattern.StartsWith("/api/support/grants/", StringComparison.Ordinal) => _ofA["grant"],
        _ => null,
    };

    /// <summary>Routes whose path names one of A's resources (an issue key is not one: B may have the same key).</summary>
    private static bool NamesAResource(string pattern) => pattern.Contains("{id}", StringComparison.Ordinal) || pattern.Contains("{runId}", StringComparison.Ordinal);

    /// <summary>A body that names A wherever a body can: A's connection, hook, issue, installation id and cloud.</summary>
    private JsonObject? Body(string method, string pattern)
    {
        if (method is "GET" or "DELETE" or "HEAD")
        {
            return null;
        }

        var claimsA = new JsonObject { ["installationId"] = _a, ["tenantId"] = _a, ["cloudId"] = "cloud-of-" + _a };
        return (method + " " + pattern) switch
        {
            "POST /api/connections/" or "PUT /api/connections/{id}" => Samples.Connection(ThirdParty.Address, "b-secret"),
            "POST /api/rules/" or "PUT /api/rules/{id}" or "POST /api/rules/validate" => Samples.Rule(_ofA["connection"]),
            "POST /api/rules/dry-run" => new JsonObject { ["rule"] = Samples.Rule(_ofA["connection"]), ["event"] = Samples.Event(_issueOfA, "b") },
            "POST /api/rules/{id}/dry-run" => new JsonObject { ["event"] = Samples.Event(_issueOfA, "b") },
            "POST /api/rules/{id}/run" => new JsonObject { ["issueKey"] = _issueOfA },
            "POST /api/webhooks/" => new JsonObject { ["name"] = "B hook " + Guid.NewGuid().ToString("N")[..6] },
            "POST /api/support/grants" => new JsonObject { ["hours"] = 1 },
            "POST /forge/events" => WithClaims(Samples.Event(_issueOfA, "b"), claimsA),
            "POST /forge/lifecycle" => WithClaims(new JsonObject { ["eventType"] = "avi:forge:installed:app", ["id"] = _a }, claimsA),
            "POST /forge/uninstall" => new JsonObject { ["context"] = new JsonObject { ["cloudId"] = "cloud-of-" + _a, ["installationId"] = _a }, ["contextToken"] = "x" },
            "POST /forge/webhook" => new JsonObject { ["hookId"] = _ofA["hook"], ["body"] = "{}", ["signature"] = "sha256=00", ["timestamp"] = "1" },
            "POST /forge/scheduled" => claimsA,
            _ => new JsonObject(),
        };
    }

    private static JsonObject WithClaims(JsonObject body, JsonObject claims)
    {
        body["context"] = claims.DeepClone();
        body["installationId"] = claims["installationId"]!.DeepClone();
        return body;
    }

    private async Task<(HttpStatusCode Status, string Text)> SendAsB(string method, string pattern, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var token = pattern.StartsWith("/support/", StringComparison.Ordinal)
            ? Idp.Mint()
            : Forge.Mint(TestIssuer.ForRoute(path, _b, "557058:admin"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor(FakeJira.PrincipalOf(token)));
        foreach (var header in new[] { "X-Tenant", "X-Tenant-Id", "X-Installation-Id", "X-Forge-Installation-Id" })
        {
            request.Headers.Add(header, _a);
        }

        // A's cloud, and proxy headers that would move the request to A's support path or make it look local.
        request.Headers.Add("X-Cloud-Id", "cloud-" + _a[^6..]);
        request.Headers.Add("X-Atlassian-Cloud-Id", "cloud-" + _a[^6..]);
        foreach (var header in new[] { "X-Original-URL", "X-Rewrite-URL", "X-Forwarded-Prefix" })
        {
            request.Headers.TryAddWithoutValidation(header, RunsPath(_a));
        }

        request.Headers.Add("X-Forwarded-For", "127.0.0.1");
        request.Headers.Add("X-Forwarded-Host", "localhost");
        request.Headers.Add("Forwarded", "for=127.0.0.1;host=localhost");

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Backend.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every row of A's partition and A's directory entry, as stored.</summary>
    private async Task<List<string>> PartitionOfAAsync()
        => [.. (await Backend.DumpStoreAsync()).Where(r => r.Contains(_a, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The mapped routes: /api first, then /support, then /forge with B's uninstall last (B's support reads land in B's
    /// audit, which B's own audit read would show, and after the uninstall B's token opens nothing).
    /// </summary>
    private IEnumerable<(string Method, string Pattern)> Routes()
        => Backend.Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Distinct()
            .OrderBy(r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal) ? 0 : r.Pattern.StartsWith("/support/", StringComparison.Ordinal) ? 1 : r.Pattern == "/forge/uninstall" ? 3 : 2)
            .ThenBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex(@"\{([a-zA-Z]+)(:[a-z]+)?\}")]
    private static partial Regex Parameter();
}
