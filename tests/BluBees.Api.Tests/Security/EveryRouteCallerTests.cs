using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Every route the app maps, support routes included, against the caller table of api.md ("Who may call what") and
/// support-access.md: each route is in the table (a route added without deciding who may call it fails here), and
/// each refuses a caller without a token, with a garbage token, with the other issuer's token, and with a valid token
/// of someone it is not for (a Jira user on a backend route, a non-administrator on configuration, a user Jira does not
/// let browse or edit the issue, support staff without role, MFA or grant), and each refuses its own caller's token
/// once expired or before it is valid. Only the health probes are public.
/// </summary>
public sealed partial class EveryRouteCallerTests : SupportFixture
{
    private const string Nobody = "557058:nobody"; // neither administrator nor allowed to browse or edit any issue

    private enum Caller { Public, Backend, AnyUser, BrowseIssue, EditIssue, Admin, Support }

    /// <summary>The documented table; anything under /api not listed is for administrators (api.md).</summary>
    private static readonly Dictionary<string, Caller> Documented = new(StringComparer.Ordinal)
    {
        ["GET /health"] = Caller.Public,
        ["GET /ready"] = Caller.Public,
        ["POST /forge/events"] = Caller.Backend,
        ["POST /forge/lifecycle"] = Caller.Backend,
        ["POST /forge/uninstall"] = Caller.Backend,
        ["POST /forge/scheduled"] = Caller.Backend,
        ["POST /forge/webhook"] = Caller.Backend,
        ["GET /api/me"] = Caller.AnyUser,
        ["GET /api/issues/{key}/runs"] = Caller.BrowseIssue,
        ["GET /api/issues/{key}/manual-rules"] = Caller.BrowseIssue,
        ["POST /api/rules/{id}/run"] = Caller.EditIssue,
        ["GET /support/tenants/{tenantId}/runs"] = Caller.Support,
        ["GET /support/tenants/{tenantId}/runs/{runId}"] = Caller.Support,
    };

    /// <summary>
    /// The manifest module whose tokens each backend route accepts (forge-app/manifest.yml; the FIT's <c>app.module.key</c>,
    /// https://developer.atlassian.com/platform/forge/remote/essentials/). A backend route missing here fails the table test.
    /// </summary>
    private static readonly Dictionary<string, string[]> BackendModules = new(StringComparer.Ordinal)
    {
        ["POST /forge/events"] = [ForgeModuleKeys.Events],
        ["POST /forge/lifecycle"] = [ForgeModuleKeys.Lifecycle],
        ["POST /forge/uninstall"] = [ForgeModuleKeys.Uninstall],
        ["POST /forge/scheduled"] = [ForgeModuleKeys.Scheduled],
        // The web trigger's key, or its forwarder function's (which of the two a function's call carries is not in the FIT table).
        ["POST /forge/webhook"] = [ForgeModuleKeys.Webhook, ForgeModuleKeys.WebhookFunction],
    };

    private static readonly string[] BackendModuleKeys =
        [ForgeModuleKeys.Events, ForgeModuleKeys.Lifecycle, ForgeModuleKeys.Uninstall, ForgeModuleKeys.Scheduled, ForgeModuleKeys.Webhook, ForgeModuleKeys.WebhookFunction];

    private string _tenant = null!;
    private string _revoked = null!;
    private string _expired = null!;

    [OneTimeSetUp]
    public async Task InstallAndGrantAsync()
    {
        _tenant = Samples.NewTenant();
        using var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", _tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
        Assert.That(installed.IsSuccessStatusCode, Is.True);
        await GrantAsync(_tenant, hours: 24);

        // Support staff holding a valid token, for an installation whose grant was revoked, or has run out.
        _revoked = Samples.NewTenant();
        var grant = await GrantAsync(_revoked, hours: 24);
        using (var revoke = await Backend.SendAsync(HttpMethod.Delete, "/api/support/grants/" + grant["id"]!.GetValue<string>(), _revoked))
        {
            Assert.That(revoke.IsSuccessStatusCode, Is.True);
        }

        _expired = Samples.NewTenant();
        var then = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-3));
        var created = await new BluBees.Engine.Support.SupportGrantStore(Backend.Services.GetRequiredService<BluBees.Engine.Storage.IStore>(), then, TimeSpan.FromDays(365))
            .CreateAsync(new BluBees.Engine.Storage.TenantId(_expired), TimeSpan.FromHours(1), "557058:admin", "INC-1", CancellationToken.None);
        Assert.That(created.Grant, Is.Not.Null, "a one-hour grant given three hours ago");
    }

    [Test]
    public void Every_mapped_route_is_in_the_documented_caller_table()
    {
        var routes = Routes().Select(r => r.Key).ToList();
        Assert.That(routes, Has.Count.GreaterThan(30), "the enumeration must see the app's routes, support routes included");
        Assert.That(routes, Is.SupersetOf(Documented.Keys), "every documented route is mapped");
        var unknown = routes.Where(r => Classify(r) is null).ToList();
        Assert.That(unknown, Is.Empty, "a route outside /api, /forge, /support and the health probes has no documented caller");
        var withoutModule = routes.Where(r => Classify(r) == Caller.Backend && !BackendModules.ContainsKey(r)).ToList();
        Assert.That(withoutModule, Is.Empty, "a backend route whose Forge module the table does not name");
    }

    [Test]
    public async Task Every_route_refuses_callers_it_is_not_for()
    {
        var wrong = new List<string>();
        var checkedRoutes = 0;
        foreach (var (key, method, pattern) in Routes())
        {
            var caller = Classify(key)!.Value;
            var path = Path(pattern);
            var body = method is "GET" or "DELETE" ? null : key == "POST /api/rules/{id}/run" ? """{"issueKey":"OPS-1"}""" : "{}";

            async Task Expect(string who, string? token, HttpStatusCode expected, Func<JsonNode?, string?>? check = null, string? userToken = null, string? at = null)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), at ?? path);
                if (token is not null)
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                }

                request.Headers.Add(FakeJira.UserTokenHeader, userToken ?? Backend.Jira.UserTokenFor(FakeJira.PrincipalOf(token)));
                if (body is not null)
                {
                    request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var problem = text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text) : null;
                if (response.StatusCode != expected)
                {
                    wrong.Add($"{key} with {who}: {(int)response.StatusCode}, expected {(int)expected}");
                }
                else if (check?.Invoke(problem) is { } why)
                {
                    wrong.Add($"{key} with {who}: {why}");
                }
            }

            if (caller == Caller.Public)
            {
                await Expect("no token", null, HttpStatusCode.OK);
                continue;
            }

            checkedRoutes++;
            await Expect("no token", null, HttpStatusCode.Unauthorized);
            await Expect("a garbage token", "not-a-jwt", HttpStatusCode.Unauthorized);
            if (caller == Caller.Support)
            {
                await Expect("a support token for another audience", Idp.Mint(c => c["aud"] = "api://another-app"), HttpStatusCode.Unauthorized);
                await Expect("an expired support token", Idp.Mint(c => c["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds()), HttpStatusCode.Unauthorized);
                await Expect("a support token not valid yet", Idp.Mint(c => c["nbf"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()), HttpStatusCode.Unauthorized);
                await Expect("a support token for a tenant whose grant was revoked", Idp.Mint(), HttpStatusCode.Forbidden, Reason("no_grant"), at: Path(pattern, _revoked));
                await Expect("a support token for a tenant whose grant expired", Idp.Mint(), HttpStatusCode.Forbidden, Reason("no_grant"), at: Path(pattern, _expired));
                await Expect("a Forge administrator's token", Forge.Mint(_tenant), HttpStatusCode.Unauthorized);
                await Expect("a Forge backend token", Forge.Mint(TestIssuer.For(_tenant, null, ForgeModuleKeys.Events)), HttpStatusCode.Unauthorized);
                await Expect("a support token without the role", Idp.Mint(c => c["roles"] = new JsonArray("engineer")), HttpStatusCode.Forbidden, Reason("role_missing"));
                await Expect("a support token without MFA", Idp.Mint(c => c["amr"] = new JsonArray("pwd", "otp")), HttpStatusCode.Forbidden, Reason("mfa_missing"));
                await Expect("a support token with an old MFA sign-in", Idp.Mint(c => c["auth_time"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds()), HttpStatusCode.Forbidden, Reason("mfa_too_old"));
                await Expect("a support token for a tenant without a grant", Idp.Mint(), HttpStatusCode.Forbidden, Reason("no_grant"), at: Path(pattern, Samples.NewTenant()));
                continue;
            }

            await Expect("a valid support token", Idp.Mint(), HttpStatusCode.Unauthorized);
            // Signed by Forge's key, but for another app: its audience, or its app.id under our audience.
            string[] own = caller == Caller.Backend ? BackendModules.GetValueOrDefault(key) ?? [] : [ForgeModuleKeys.Ui];
            var account = caller == Caller.Backend ? null : "557058:admin";
            foreach (var module in own)
            {
                // The route's own caller, but its token expired two hours ago, or valid only in two hours (beyond the skew).
                await Expect($"its own caller's expired token ({module})", Forge.Mint(TestIssuer.For(_tenant, account, module), now: DateTimeOffset.UtcNow.AddHours(-2)), HttpStatusCode.Unauthorized);
                await Expect($"its own caller's token not valid yet ({module})", Forge.Mint(TestIssuer.For(_tenant, account, module), now: DateTimeOffset.UtcNow.AddHours(2)), HttpStatusCode.Unauthorized);
                await Expect($"another app's token ({module})", Forge.Mint(TestIssuer.For(_tenant, account, module) with { AppId = "ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000bad" }), HttpStatusCode.Unauthorized);
                await Expect($"our audience naming another app.id ({module})", Forge.Mint(TestIssuer.For(_tenant, account, module), editClaims: c => c["app"]!["id"] = "ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000bad"), HttpStatusCode.Unauthorized);
            }

            if (caller == Caller.Backend)
            {
                await Expect("a Jira administrator's UI token", Forge.Mint(_tenant), HttpStatusCode.Forbidden);
                await Expect("a Jira user's UI token", Forge.Mint(_tenant, Nobody), HttpStatusCode.Forbidden);
                await Expect("the issue panel's token", Forge.Mint(TestIssuer.For(_tenant, null, ForgeModuleKeys.IssuePanel)), HttpStatusCode.Forbidden);
                foreach (var module in BackendModuleKeys.Except(own))
                {
                    await Expect($"the {module} module's token", Forge.Mint(TestIssuer.For(_tenant, null, module)), HttpStatusCode.Forbidden);
                }

                foreach (var module in own)
                {
                    await Expect($"its own module's token naming a user ({module})", Forge.Mint(TestIssuer.For(_tenant, "557058:admin", module)), HttpStatusCode.Forbidden);
                }

                continue;
            }

            // Everything under /api: a backend module's token (no user) is refused whatever the permission, and with a user too.
            foreach (var module in BackendModuleKeys)
            {
                await Expect($"the {module} module's token", Forge.Mint(TestIssuer.For(_tenant, null, module)), HttpStatusCode.Forbidden);
                await Expect($"the {module} module's token naming an administrator", Forge.Mint(TestIssuer.For(_tenant, "557058:admin", module)), HttpStatusCode.Forbidden);
            }

            await Expect("the UI module without a user", Forge.Mint(TestIssuer.For(_tenant, null)), HttpStatusCode.Forbidden);
            switch (caller)
            {
                case Caller.Admin:
                    await Expect("a non-administrator", Forge.Mint(_tenant, Nobody), HttpStatusCode.Forbidden, RequiredPermission("ADMINISTER"));
                    // The issue panel's token opens only the routes the panel calls, an administrator's included.
                    await Expect("an administrator's issue panel token", Forge.Mint(TestIssuer.For(_tenant, "557058:admin", ForgeModuleKeys.IssuePanel)), HttpStatusCode.Forbidden);
                    await Expect("an administrator without a user token", Forge.Mint(_tenant), HttpStatusCode.Forbidden, userToken: " ");
                    break;
                case Caller.BrowseIssue:
                    await Expect("a user Jira does not let browse the issue", Forge.Mint(_tenant, Nobody), HttpStatusCode.Forbidden, RequiredPermission("BROWSE_PROJECTS"));
                    break;
                case Caller.EditIssue:
                    await Expect("a user Jira does not let edit the issue", Forge.Mint(_tenant, Nobody), HttpStatusCode.Forbidden, RequiredPermission("EDIT_ISSUES"));
                    break;
                case Caller.AnyUser:
                    await Expect("any signed-in user", Forge.Mint(_tenant, Nobody), HttpStatusCode.OK);
                    break;
            }
        }

        Assert.That(checkedRoutes, Is.GreaterThan(30));
        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
    }

    /// <summary>
    /// With <c>DevIssuer:Enabled</c> off (the default outside Development) the development issuer's routes are not mapped,
    /// so they answer as any unknown path does (401 without a token: nothing minted, no key published), and a token
    /// signed with the development key, one a development run left in the data directory included, opens no route.
    /// </summary>
    [Test]
    public async Task With_the_dev_issuer_off_its_routes_answer_nothing_and_its_key_opens_no_route()
    {
        Assert.That(Routes().Select(r => r.Key), Has.None.StartsWith("GET /dev").And.None.StartsWith("POST /dev"), "not mapped");
        using (var token = await Backend.Client.PostAsync("/dev/token", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
        using (var jwks = await Backend.Client.GetAsync("/dev/jwks.json"))
        {
            Assert.That(token.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), await token.Content.ReadAsStringAsync());
            Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), await jwks.Content.ReadAsStringAsync());
            Assert.That(await token.Content.ReadAsStringAsync(), Does.Not.Contain("\"token\""));
            Assert.That(await jwks.Content.ReadAsStringAsync(), Does.Not.Contain("\"keys\""));
        }

        using var dev = DevTokenIssuer.LoadOrCreate(Backend.DataDirectory);
        var wrong = new List<string>();
        foreach (var (key, method, pattern) in Routes().Where(r => Classify(r.Key) is Caller.Backend or Caller.Admin or Caller.AnyUser or Caller.BrowseIssue or Caller.EditIssue))
        {
            var request = TestIssuer.ForRoute(pattern, _tenant);
            using var message = new HttpRequestMessage(new HttpMethod(method), Path(pattern));
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", dev.Mint(request, DateTimeOffset.UtcNow));
            message.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
            if (method is not ("GET" or "DELETE"))
            {
                message.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await Backend.Client.SendAsync(message);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                wrong.Add($"{key}: {(int)response.StatusCode}");
            }
        }

        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
    }

    private static Func<JsonNode?, string?> Reason(string reason)
        => p => p?["reason"]?.GetValue<string>() == reason ? null : $"reason {p?["reason"]}, expected {reason}";

    private static Func<JsonNode?, string?> RequiredPermission(string permission)
        => p => p?["requiredPermission"]?.GetValue<string>() == permission ? null : $"requiredPermission {p?["requiredPermission"]}, expected {permission}";

    private static Caller? Classify(string key)
    {
        if (Documented.TryGetValue(key, out var documented))
        {
            return documented;
        }

        var pattern = key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        return pattern.StartsWith("/api/", StringComparison.Ordinal) ? Caller.Admin : null;
    }

    private string Path(string pattern, string? tenant = null)
        => Parameter().Replace(pattern, m => m.Groups[1].Value switch
        {
            "tenantId" => Uri.EscapeDataString(tenant ?? _tenant),
            "key" => "OPS-1",
            "version" => "1",
            _ => "x_nope",
        }) + (pattern == "/api/issues/{key}/runs" ? "?issueId=11" : "");

    private IEnumerable<(string Key, string Method, string Pattern)> Routes()
        => Backend.Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Key: $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}", Method: m, Pattern: e.RoutePattern.RawText!)))
            .DistinctBy(r => r.Key);

    [GeneratedRegex(@"\{([a-zA-Z]+)(:[a-z]+)?\}")]
    private static partial Regex Parameter();
}
