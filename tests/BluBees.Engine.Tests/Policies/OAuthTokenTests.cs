using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>OAuth 2.0 connections against a loopback token endpoint: caching, single-flight refresh, expiry, rotation.</summary>
public sealed class OAuthTokenTests
{
    private static readonly TenantId Tenant = new("tenant-oauth");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    [Test]
    public async Task A_client_credentials_token_is_fetched_once_and_sent_as_a_bearer_token()
    {
        await using var tokens = new TokenEndpoint();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var first = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var second = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(first.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(second.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(tokens.Requests, Is.EqualTo(1));
        var form = tokens.Forms.Single();
        Assert.That(form["grant_type"]!.GetValue<string>(), Is.EqualTo("client_credentials"));
        Assert.That(form["client_id"]!.GetValue<string>(), Is.EqualTo("client-1"));
        Assert.That(form["client_secret"]!.GetValue<string>(), Is.EqualTo("cs-1"));
        Assert.That(form["scope"]!.GetValue<string>(), Is.EqualTo("read write"));
        Assert.That(api.Requests.Select(r => r.Header("Authorization")), Is.All.EqualTo("Bearer at-1"));
    }

    [Test]
    public async Task Basic_client_authentication_sends_the_secret_in_the_authorization_header()
    {
        await using var tokens = new TokenEndpoint();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs:1", clientAuth: "basic"));

        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(tokens.Forms.Single().ContainsKey("client_secret"), Is.False);
        Assert.That(tokens.Authorizations.Single(), Is.EqualTo("Basic " + Convert.ToBase64String("client-1:cs%3A1"u8.ToArray())));
    }

    [Test]
    public async Task Many_concurrent_callers_share_exactly_one_token_request()
    {
        await using var tokens = new TokenEndpoint { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var callers = Enumerable.Range(0, 50).Select(_ => _h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(10), CancellationToken.None).AsTask()).ToArray();
        await Eventually.TrueAsync(() => tokens.Requests == 1, "the single refresh reaches the token endpoint");
        Assert.That(callers.Any(c => c.IsCompleted), Is.False, "every caller waits on the one refresh");
        tokens.Gate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.That(results.Select(r => r.Value), Is.All.EqualTo("at-1"));
        Assert.That(tokens.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task Concurrent_runs_share_one_refresh_end_to_end()
    {
        await using var tokens = new TokenEndpoint();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, id: "s" + i))));

        Assert.That(runs.Select(r => r.Record.Status), Is.All.EqualTo(RunStatus.Succeeded));
        Assert.That(tokens.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task A_token_is_refreshed_before_it_expires()
    {
        await using var tokens = new TokenEndpoint
        {
            Answer = (_, n) => (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "bearer", ["expires_in"] = 120 }),
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        _h.Time.Advance(TimeSpan.FromSeconds(59));
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        Assert.That(tokens.Requests, Is.EqualTo(1), "still well inside its lifetime");
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(tokens.Requests, Is.EqualTo(2), "refreshed 59 s before the 120 s token expired");
        Assert.That(api.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new[] { "Bearer at-1", "Bearer at-1", "Bearer at-2" }));
    }

    [Test]
    public async Task A_slow_token_answer_counts_the_lifetime_from_the_request_not_from_the_answer()
    {
        // expires_in counts from when the server issued the token (RFC 6749 §5.1), which is before the answer
        // arrives: a token endpoint that takes 4 s to answer a 6 s token leaves it 2 s, not 6 s, once received.
        await using var tokens = new TokenEndpoint();
        tokens.Answer = (_, n) =>
        {
            if (n == 1)
            {
                _h.Time.Advance(TimeSpan.FromSeconds(4)); // the endpoint issues the token, then takes 4 s to answer
            }

            return (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "bearer", ["expires_in"] = 6 });
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));
        var issued = _h.Time.GetUtcNow();

        var first = await _h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(60), CancellationToken.None);
        _h.Time.SetUtcNow(issued + TimeSpan.FromSeconds(6.5)); // the first token has expired at the server
        var second = await _h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.That((first.Value, second.Value), Is.EqualTo(("at-1", "at-2")), "an expired token is never handed out");
    }

    [Test]
    public async Task An_edited_connection_never_uses_a_token_of_its_previous_revision()
    {
        await using var tokens = new TokenEndpoint();
        await using var api = LoopbackServer.Ok("{}");
        var input = tokens.ClientCredentials(api, "cs-1");
        var connection = await _h.CreateAsync(Tenant, input);
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        var edited = (await _h.Connections.UpdateAsync(Tenant, connection.Id, input with { Secret = "cs-2" }, CancellationToken.None)).Value!;
        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(edited));

        Assert.That(tokens.Requests, Is.EqualTo(2));
        Assert.That(tokens.Forms.Last()["client_secret"]!.GetValue<string>(), Is.EqualTo("cs-2"));
        Assert.That(api.Requests.Last().Header("Authorization"), Is.EqualTo("Bearer at-2"));
    }

    [Test]
    public async Task A_401_from_the_api_drops_the_cached_token()
    {
        await using var tokens = new TokenEndpoint();
        await using var api = Scripted.Sequence(Scripted.Answer(401), Scripted.Answer(200));
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var refused = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var next = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(refused.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(next.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(api.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new[] { "Bearer at-1", "Bearer at-2" }));
    }

    [TestCase(400, ErrorCategories.OAuthTokenRejected)]
    [TestCase(401, ErrorCategories.OAuthTokenRejected)]
    [TestCase(503, ErrorCategories.OAuthTokenUnavailable)]
    [TestCase(429, ErrorCategories.OAuthTokenUnavailable)]
    public async Task A_token_endpoint_error_fails_the_step_with_a_clear_category(int status, string category)
    {
        await using var tokens = new TokenEndpoint { Answer = (_, _) => (status, new JsonObject { ["error"] = "invalid_grant" }) };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(category));
        Assert.That(outcome.Record.Attempts, Is.Zero);
        Assert.That(api.Requests, Is.Empty, "no call without a token");
    }

    [Test]
    public async Task An_answer_without_a_bearer_token_is_rejected()
    {
        await using var tokens = new TokenEndpoint { Answer = (_, _) => (200, new JsonObject { ["access_token"] = "x", ["token_type"] = "mac" }) };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        Assert.That((await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection))).Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenRejected));
    }

    /// <summary>Found by an adversarial sweep: a token URL that redirects in a loop was reported as oauth_token_unavailable.</summary>
    [Test]
    public async Task A_token_endpoint_redirect_loop_is_too_many_redirects()
    {
        await using var loop = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, "/token", ct));
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, new ConnectionInput
        {
            Name = "OAuth API",
            BaseUrl = api.Url("/api").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.OAuth2ClientCredentials, TokenUrl = loop.Url("/token").ToString(), ClientId = "c" },
            Secret = "cs",
        });

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TooManyRedirects));
        Assert.That(api.Requests, Is.Empty, "no call without a token");
    }

    [Test]
    public async Task An_unreachable_token_endpoint_is_unavailable_not_an_exception()
    {
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, new ConnectionInput
        {
            Name = "OAuth API",
            BaseUrl = api.Url("/api").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.OAuth2ClientCredentials, TokenUrl = $"http://127.0.0.1:{DestinationTests.FreePort()}/token", ClientId = "c" },
            Secret = "cs",
        });

        Assert.That((await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection))).Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenUnavailable));
    }
}
