using System.Text;
using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Steps;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// A body is never re-sent outside the scope its request was addressed to, on the same origin too. Before, a token
/// endpoint that answered 307 to another path of its host got the OAuth form again there (client secret or refresh
/// token), and a step's 307/308 out of its connection's base path re-sent the rendered body (issue data) to a path the
/// admin never named: only the credential headers were dropped. Now both are refused (<c>redirect_refused</c>) before
/// the hop is sent; a hop that stays inside the scope, or one that drops the body (303), is followed as before.
/// </summary>
public sealed class ScopedRedirectBodyTests
{
    private const string ClientSecret = "token-form-secret-7731";
    private static readonly TenantId Tenant = new("tenant-scoped-redirect");

    /// <summary>The token form (client secret in the body, or in a Basic header) never goes to another path of the token host.</summary>
    [Test]
    public async Task A_token_endpoint_redirect_to_another_path_is_refused_and_sends_the_secret_nowhere_else(
        [Values(302, 303, 307, 308)] int status, [Values("body", "basic")] string clientAuth)
    {
        await using var token = LoopbackServer.Start((request, stream, ct) => request.Target == "/oauth/token"
            ? LoopbackServer.RedirectAsync(stream, status, "/collect/token", ct)
            : LoopbackServer.RespondAsync(stream, 200, """{ "access_token": "stolen", "token_type": "Bearer" }""", ct));
        await using var api = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await h.CreateAsync(Tenant, OAuth(api, token.Url("/oauth/token"), clientAuth));

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RedirectRefused));
        Assert.That(token.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/oauth/token" }), "the hop out of the token URL is never sent");
        Assert.That(api.Requests, Is.Empty, "no call without a token");
        Assert.That(h.Evidence(outcome), Does.Not.Contain(ClientSecret));
    }

    /// <summary>A redirect that stays at or below the token URL's path is followed with the form, as before.</summary>
    [TestCase(307)]
    [TestCase(308)]
    public async Task A_token_endpoint_redirect_below_its_own_path_is_followed(int status)
    {
        await using var token = LoopbackServer.Start((request, stream, ct) => request.Target == "/oauth/token"
            ? LoopbackServer.RedirectAsync(stream, status, "/oauth/token/v2", ct)
            : LoopbackServer.RespondAsync(stream, 200, """{ "access_token": "at-v2", "token_type": "Bearer" }""", ct));
        await using var api = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await h.CreateAsync(Tenant, OAuth(api, token.Url("/oauth/token"), "body"));

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(token.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/oauth/token", "/oauth/token/v2" }));
        Assert.That(Encoding.UTF8.GetString(token.Requests.Last().Body), Does.Contain("client_secret=" + ClientSecret), "a 307/308 inside the scope re-sends the form");
        Assert.That(api.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer at-v2"));
    }

    /// <summary>A step's 307/308 out of its connection's base path would re-send the rendered body there: refused, nothing sent.</summary>
    [Test]
    public async Task A_step_redirect_that_would_resend_its_body_out_of_the_base_path_is_refused(
        [Values(307, 308)] int status, [Values("POST", "PUT", "PATCH")] string method, [Values("bearer", "query")] string form)
    {
        await using var server = Redirecting(status);
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, form);

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, method: method));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RedirectRefused));
        Assert.That(server.Requests.Select(r => r.Target.Split('?')[0]), Is.EqualTo(new[] { "/api/v1/teamA/items" }), "the hop out of scope is never sent");
    }

    /// <summary>A 303 drops the body (and the credential, out of scope): followed as a plain GET.</summary>
    [Test]
    public async Task A_step_redirect_out_of_the_base_path_that_drops_the_body_is_followed_without_it()
    {
        await using var server = Redirecting(303);
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, "bearer");

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, method: "POST"));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        var moved = server.Requests.Last();
        Assert.That((moved.Method, moved.Target, moved.Body.Length, moved.Header("Authorization")), Is.EqualTo(("GET", "/admin/export", 0, (string?)null)));
    }

    /// <summary>Inside the base path a 307 re-sends the body with the credential, as before.</summary>
    [Test]
    public async Task A_step_redirect_inside_the_base_path_resends_the_body()
    {
        await using var server = LoopbackServer.Start((request, stream, ct) => request.Target == "/api/v1/teamA/items"
            ? LoopbackServer.RedirectAsync(stream, 307, "/api/v1/teamA/moved", ct)
            : LoopbackServer.RespondAsync(stream, 200, "{}", ct));
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, "bearer");

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, method: "POST"));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => (r.Method, r.Target, r.Body.Length > 0, r.Header("Authorization") == "Bearer step-secret-3391")),
            Is.EqualTo(new[] { ("POST", "/api/v1/teamA/items", true, true), ("POST", "/api/v1/teamA/moved", true, true) }));
    }

    private static Task<Connection> CreateAsync(PolicyHarness h, LoopbackServer server, string form) =>
        h.CreateAsync(Tenant, new ConnectionInput
        {
            Name = "Team A " + form,
            BaseUrl = server.Url("/api/v1/teamA").ToString(),
            Auth = form == "query" ? new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" } : new ConnectionAuth { Type = AuthTypes.Bearer },
            Secret = "step-secret-3391",
            Resilience = new ConnectionResilience { MaxRetries = 0 },
        });

    private static LoopbackServer Redirecting(int status) => LoopbackServer.Start((request, stream, ct) =>
        request.Target.StartsWith("/api/v1/teamA/items", StringComparison.Ordinal)
            ? LoopbackServer.RedirectAsync(stream, status, "/admin/export", ct)
            : LoopbackServer.RespondAsync(stream, 200, "{}", ct));

    private static ConnectionInput OAuth(LoopbackServer api, Uri tokenUrl, string clientAuth) => new()
    {
        Name = "OAuth API",
        BaseUrl = api.Url("/api").ToString(),
        Auth = new ConnectionAuth { Type = AuthTypes.OAuth2ClientCredentials, TokenUrl = tokenUrl.ToString(), ClientId = "client-1", ClientAuth = clientAuth },
        Secret = ClientSecret,
        Resilience = new ConnectionResilience { MaxRetries = 0 },
    };
}
