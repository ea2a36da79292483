using System.Text.Json.Nodes;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// Found by the egress sweep: a token endpoint answering 429 (or 503) with Retry-After was asked again by every next
/// run at once, so a busy rule kept hammering an endpoint that had asked for a pause. Now the connection revision's
/// callers fail with oauth_token_unavailable without a request until the Retry-After has passed (at most 10 min).
/// </summary>
public sealed class OAuthTokenBackoffTests
{
    private static readonly TenantId Tenant = new("tenant-token-backoff");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    [TestCase(429)]
    [TestCase(503)]
    public async Task A_retry_after_from_the_token_endpoint_is_honoured_before_asking_again(int status)
    {
        var busy = true;
        await using var tokens = new TokenEndpoint
        {
            Answer = (_, n) => busy
                ? (status, new JsonObject { ["error"] = "slow_down" })
                : (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer", ["expires_in"] = 3600 }),
            Headers = [("Retry-After", "120")],
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var first = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        busy = false;
        var during = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        _h.Time.Advance(TimeSpan.FromSeconds(119));
        var stillDuring = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        Assert.That(tokens.Requests, Is.EqualTo(1), "no token request while the endpoint's Retry-After runs");
        _h.Time.Advance(TimeSpan.FromSeconds(2));
        var after = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(new[] { first, during, stillDuring }.Select(o => o.Record.ErrorCategory), Is.All.EqualTo(ErrorCategories.OAuthTokenUnavailable));
        Assert.That(after.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(tokens.Requests, Is.EqualTo(2));
        Assert.That(api.Requests.Select(r => r.Header("Authorization")), Is.EqualTo(new[] { "Bearer at-2" }));
    }

    [Test]
    public async Task A_retry_after_date_counts_from_the_answer_even_when_the_answer_was_slow()
    {
        // A whole second, as an HTTP-date has no fraction.
        var start = _h.Time.GetUtcNow();
        _h.Time.SetUtcNow(new DateTimeOffset(start.Ticks - start.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1));
        DateTimeOffset answered = default;
        await using var tokens = new TokenEndpoint();
        tokens.Answer = (_, n) =>
        {
            if (n > 1)
            {
                return (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer", ["expires_in"] = 3600 });
            }

            _h.Time.Advance(TimeSpan.FromSeconds(4)); // the endpoint takes 4 s, then says: come back at (its now + 10 s)
            answered = _h.Time.GetUtcNow();
            tokens.Headers = [("Retry-After", answered.AddSeconds(10).ToString("r", System.Globalization.CultureInfo.InvariantCulture))];
            return (429, new JsonObject());
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        var first = await _h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(60), CancellationToken.None);
        tokens.Headers = [];
        _h.Time.SetUtcNow(answered.AddSeconds(9));
        var during = await _h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(60), CancellationToken.None);
        _h.Time.SetUtcNow(answered.AddSeconds(11));
        var after = await _h.Tokens.GetAsync(Tenant, connection, TimeSpan.FromSeconds(60), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((first.Category, during.Category), Is.EqualTo((ErrorCategories.OAuthTokenUnavailable, ErrorCategories.OAuthTokenUnavailable)));
            Assert.That(after.Value, Is.EqualTo("at-2"), "the date has passed: asked again (not 4 s later, the time the answer took)");
            Assert.That(tokens.Requests, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task An_absurd_retry_after_pauses_the_token_requests_for_at_most_ten_minutes()
    {
        var busy = true;
        await using var tokens = new TokenEndpoint
        {
            Answer = (_, n) => busy
                ? (429, new JsonObject())
                : (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer" }),
            Headers = [("Retry-After", "99999999")],
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        busy = false;
        _h.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var after = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(after.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(tokens.Requests, Is.EqualTo(2));
    }

    [Test]
    public async Task Without_retry_after_a_failed_token_request_is_not_remembered()
    {
        var busy = true;
        await using var tokens = new TokenEndpoint
        {
            Answer = (_, n) => busy
                ? (503, new JsonObject())
                : (200, new JsonObject { ["access_token"] = "at-" + n, ["token_type"] = "Bearer" }),
        };
        await using var api = LoopbackServer.Ok("{}");
        var connection = await _h.CreateAsync(Tenant, tokens.ClientCredentials(api, "cs-1"));

        await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        busy = false;
        var next = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(next.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(tokens.Requests, Is.EqualTo(2));
    }
}
