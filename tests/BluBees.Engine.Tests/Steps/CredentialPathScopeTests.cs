using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// A connection's credential goes only to its base URL, path included (<c>CredentialScope</c>): a connection for
/// <c>/api/v1/teamA</c> must not lend its credential to <c>/admin</c> or <c>/api/v1/teamB</c> on the same host. An http
/// step's <c>url</c> (constant or rendered) was checked for the origin only, so it sent the credential anywhere on the
/// host; a same-origin redirect out of the base path kept every credential header. Every credential form is tried.
/// </summary>
public sealed class CredentialPathScopeTests
{
    private const string Secret = "path-scope-secret-0451";
    private const string BasePath = "/api/v1/teamA";

    private static readonly TenantId Tenant = new("tenant-path-scope");

    /// <summary>A Location that repeats the query credential: under its name, under another, in another case, inside another value.</summary>
    private static readonly string Echoed = "&api_key=" + Uri.EscapeDataString(Secret) + "&copy=" + Uri.EscapeDataString(Secret) + "&API_KEY=again&api%5Fkey=3"
        + "&y=2;api_key=" + Uri.EscapeDataString(Secret) + "&z=" + Uri.EscapeDataString("2;api_key=" + Secret);

    public static readonly string[] Forms = ["bearer", "basic", "header", "query"];

    /// <summary>A url on the connection's host outside its base path is refused before anything is sent.</summary>
    [Test]
    public async Task A_url_step_outside_the_base_path_is_not_sent(
        [ValueSource(nameof(Forms))] string form,
        [Values("/admin", "/api/v1/teamAB/x", "/api/v1", "/api/v1/teamB/items", "/api/v1/teamA/..%2Fx")] string target)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, form);
        var step = StepKit.ValidAtRunTime($$"""{ "id": "call", "type": "http", "connection": "{{connection.Id}}", "url": "http://127.0.0.1:{{server.Port}}{{target}}" }""", EgressTestKit.LoopbackOptions());

        var outcome = await h.RunAsync(Tenant.Value, step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CredentialScope));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero, "nothing is sent outside the base URL");
        Assert.That(h.Evidence(outcome), Does.Not.Contain(Secret));
    }

    /// <summary>The same walk through a url template whose literal part is only the host: data decides the path.</summary>
    [TestCase("admin")]
    [TestCase("api/v1/teamB/items")]
    [TestCase("api/v1/teamA-other")]
    public async Task A_rendered_url_outside_the_base_path_is_not_sent(string summary)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, "bearer");
        var step = StepKit.ValidAtRunTime($$$"""{ "id": "call", "type": "http", "connection": "{{{connection.Id}}}", "url": "{{{server.Url("/")}}}{{ issue.fields.summary | url_raw }}" }""");

        var outcome = await h.RunAsync(PolicyHarness.Run(Tenant.Value, Scope(summary)), step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CredentialScope));
        Assert.That(outcome.Record.FailedField, Is.EqualTo("url"));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }

    /// <summary>At or below the base path the credential goes as before, whatever its form.</summary>
    [Test]
    public async Task A_url_step_at_or_below_the_base_path_gets_the_credential(
        [ValueSource(nameof(Forms))] string form, [Values(BasePath, BasePath + "/", BasePath + "/items/7")] string target)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, form);
        var step = StepKit.ValidAtRunTime($$"""{ "id": "call", "type": "http", "connection": "{{connection.Id}}", "url": "{{server.Url(target)}}" }""", EgressTestKit.LoopbackOptions());

        var outcome = await h.RunAsync(Tenant.Value, step);

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(Carries(server.Requests.Single(), form), Is.True, "the credential is sent inside the scope");
    }

    /// <summary>
    /// A same-origin redirect out of the base path drops every credential (header, query parameter, even one the
    /// Location repeats, under its name or another); the step's other headers stay (only credentials are scoped by
    /// path); the hop is followed.
    /// </summary>
    [Test]
    public async Task A_redirect_out_of_the_base_path_drops_the_credential(
        [ValueSource(nameof(Forms))] string form, [Values(302, 303, 307)] int status)
    {
        await using var server = LoopbackServer.Start((request, stream, ct) =>
            request.Target.StartsWith(BasePath + "/items", StringComparison.Ordinal)
                ? LoopbackServer.RedirectAsync(stream, status, "/admin/export?x=1" + (form == "query" ? Echoed : ""), ct)
                : LoopbackServer.RespondAsync(stream, 200, "{}", ct));
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, form);

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, path: "/items", headers: """{ "X-Trace": "t-1" }"""));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => r.Target.Split('?')[0]), Is.EqualTo(new[] { BasePath + "/items", "/admin/export" }));
        Assert.That(Carries(server.Requests.First(), form), Is.True, "the first hop is inside the scope");
        var moved = server.Requests.Last();
        Assert.That(moved.Target, Is.EqualTo("/admin/export?x=1"), "no credential query parameter on the hop out of scope");
        Assert.That(moved.Header("Authorization"), Is.Null);
        Assert.That(moved.Header("X-Api-Key"), Is.Null);
        Assert.That(moved.Header("X-Trace"), Is.EqualTo("t-1"), "a custom header stays on a same-origin hop");
    }

    /// <summary>A redirect that stays under the base path keeps the credential headers; once dropped they stay dropped.</summary>
    [Test]
    public async Task A_redirect_inside_the_base_path_keeps_the_credential_and_a_way_back_does_not_restore_it()
    {
        await using var server = LoopbackServer.Start((request, stream, ct) => request.Target switch
        {
            BasePath + "/items" => LoopbackServer.RedirectAsync(stream, 302, BasePath + "/moved", ct),
            BasePath + "/moved" => LoopbackServer.RedirectAsync(stream, 302, "/elsewhere", ct),
            "/elsewhere" => LoopbackServer.RedirectAsync(stream, 302, BasePath + "/back", ct),
            _ => LoopbackServer.RespondAsync(stream, 200, "{}", ct),
        });
        using var h = new PolicyHarness();
        var connection = await CreateAsync(h, server, "bearer");

        var outcome = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => (r.Target, r.Header("Authorization") is not null)), Is.EqualTo(new[]
        {
            (BasePath + "/items", true), (BasePath + "/moved", true), ("/elsewhere", false), (BasePath + "/back", false),
        }));
    }

    /// <summary>
    /// An OAuth access token is scoped the same way, and a 401 from a URL outside the scope (which never got the token)
    /// does not throw the cached token away: the next run uses it without asking the token endpoint again.
    /// </summary>
    [Test]
    public async Task An_oauth_access_token_is_not_sent_out_of_the_base_path_and_a_401_there_keeps_it()
    {
        await using var tokens = new TokenEndpoint();
        await using var api = LoopbackServer.Start((request, stream, ct) => request.Target.StartsWith("/api/", StringComparison.Ordinal)
            ? LoopbackServer.RedirectAsync(stream, 302, "/login", ct)
            : LoopbackServer.RespondAsync(stream, 401, "{}", ct));
        using var h = new PolicyHarness();
        var connection = await h.CreateAsync(Tenant, tokens.ClientCredentials(api, "client-secret-1") with { Resilience = new ConnectionResilience { MaxRetries = 0 } });
        var outside = StepKit.ValidAtRunTime($$"""{ "id": "call", "type": "http", "connection": "{{connection.Id}}", "url": "{{api.Url("/admin")}}" }""", EgressTestKit.LoopbackOptions());

        var refused = await h.RunAsync(Tenant.Value, outside);
        var first = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var second = await h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(refused.Record.ErrorCategory, Is.EqualTo(ErrorCategories.CredentialScope));
        Assert.That(first.Record.StatusCode, Is.EqualTo(401));
        Assert.That(second.Record.StatusCode, Is.EqualTo(401));
        Assert.That(api.Requests.Select(r => (r.Target, r.Header("Authorization"))), Is.EqualTo(new (string, string?)[]
        {
            ("/api/items", "Bearer at-1"), ("/login", null), ("/api/items", "Bearer at-1"), ("/login", null),
        }));
        Assert.That(tokens.Requests, Is.EqualTo(1), "the 401 came from outside the scope: the token is kept");
    }

    internal static Task<Connection> CreateAsync(PolicyHarness h, LoopbackServer server, string form) =>
        h.CreateAsync(Tenant, new ConnectionInput
        {
            Name = "Team A " + form,
            BaseUrl = server.Url(BasePath).ToString(),
            Auth = form switch
            {
                "basic" => new ConnectionAuth { Type = AuthTypes.Basic, Username = "ann" },
                "header" => new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "X-Api-Key" },
                "query" => new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" },
                _ => new ConnectionAuth { Type = AuthTypes.Bearer },
            },
            Secret = Secret,
            Resilience = new ConnectionResilience { MaxRetries = 0 },
        });

    /// <summary>Whether the request carries the connection's credential in the form given.</summary>
    internal static bool Carries(RecordedRequest request, string form) => form switch
    {
        "header" => request.Header("X-Api-Key") == Secret,
        "query" => request.Target.Contains("api_key=" + Uri.EscapeDataString(Secret), StringComparison.Ordinal),
        "basic" => request.Header("Authorization")?.StartsWith("Basic ", StringComparison.Ordinal) == true,
        _ => request.Header("Authorization") == "Bearer " + Secret,
    };

    private static System.Text.Json.Nodes.JsonObject Scope(string summary)
    {
        var scope = StepKit.Scope();
        scope["issue"]!["fields"]!["summary"] = summary;
        return scope;
    }
}
