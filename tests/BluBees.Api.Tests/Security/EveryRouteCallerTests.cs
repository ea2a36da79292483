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
/// let browse or edit the issue, support staff without role, MFA or grant). Only the health probes are public.
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

    private string _tenant = null!;

    [OneTimeSetUp]
    public async Task InstallAndGrantAsync()
    {
        _tenant = Samples.NewTenant();
        using var installed = await Backend.SendAsync(HttpMethod.Post, "/forge/lifecycle", _tenant, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
        Assert.That(installed.IsSuccessStatusCode, Is.True);
        await GrantAsync(_tenant, hours: 24);
    }

    [Test]
    public void Every_mapped_route_is_in_the_documented_caller_table()
    {
        var routes = Routes().Select(r => r.Key).ToList();
        Assert.That(routes, Has.Count.GreaterThan(30), "the enumeration must see the app's routes, support routes included");
        Assert.That(routes, Is.SupersetOf(Documented.Keys), "every documented route is mapped");
        var unknown = routes.Where(r => Classify(r) is null).ToList();
        Assert.That(unknown, Is.Empty, "a route outside /api, /forge, /support and the health probes has no documented caller");
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
                await Expect("a Forge administrator's token", Forge.Mint(_tenant), HttpStatusCode.Unauthorized);
                await Expect("a Forge backend token", Forge.Mint(TestIssuer.For(_tenant, null, ForgeModuleKeys.Events)), HttpStatusCode.Unauthorized);
                await Expect("a support token without the role", Idp.Mint(c => c["roles"] = new JsonArray("engineer")), HttpStatusCode.Forbidden, Reason("role_missing"));
                await Expect("a support token without MFA", Idp.Mint(c => c["amr"] = new JsonArray("pwd", "otp")), HttpStatusCode.Forbidden, Reason("mfa_missing"));
                await Expect("a support token with an old MFA sign-in", Idp.Mint(c => c["auth_time"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds()), HttpStatusCode.Forbidden, Reason("mfa_too_old"));
                await Expect("a support token for a tenant without a grant", Idp.Mint(), HttpStatusCode.Forbidden, Reason("no_grant"), at: Path(pattern, Samples.NewTenant()));
                continue;
            }

            await Expect("a valid support token", Idp.Mint(), HttpStatusCode.Unauthorized);
            if (caller == Caller.Backend)
            {
                await Expect("a Jira administrator's UI token", Forge.Mint(_tenant), HttpStatusCode.Forbidden);
                await Expect("a Jira user's UI token", Forge.Mint(_tenant, Nobody), HttpStatusCode.Forbidden);
                continue;
            }

            // Everything under /api: a backend module's token (no user) is refused whatever the permission.
            await Expect("a backend module's token", Forge.Mint(TestIssuer.For(_tenant, null, ForgeModuleKeys.Events)), HttpStatusCode.Forbidden);
            await Expect("the UI module without a user", Forge.Mint(TestIssuer.For(_tenant, null)), HttpStatusCode.Forbidden);
            switch (caller)
            {
                case Caller.Admin:
                    await Expect("a non-administrator", Forge.Mint(_tenant, Nobody), HttpStatusCode.Forbidden, RequiredPermission("ADMINISTER"));
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
