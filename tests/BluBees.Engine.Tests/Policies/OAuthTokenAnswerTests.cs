using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>A 200 from the token endpoint whose JSON is not a usable bearer token fails as oauth_token_rejected, calling nothing.</summary>
public sealed class OAuthTokenAnswerTests
{
    private static readonly TenantId Tenant = new("tenant-token-answer");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    private async Task<(StepOutcome Outcome, LoopbackServer Api)> RunAsync(Func<JsonObject> answer, LoopbackServer api)
    {
        await using var tokens = new TokenEndpoint { Answer = (_, _) => (200, answer()) };
        var input = tokens.ClientCredentials(api, "cs-1") with { Resilience = new ConnectionResilience { MaxRetries = 0 } };
        var connection = await _h.CreateAsync(Tenant, input);
        return (await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection)), api);
    }

    /// <summary>Found by the egress sweep: GetString on a non-string token_type threw out of the parser (internal_error).</summary>
    [TestCase("number")]
    [TestCase("object")]
    [TestCase("array")]
    [TestCase("true")]
    public async Task A_token_type_that_is_not_a_string_is_rejected(string kind)
    {
        JsonNode type = kind switch
        {
            "number" => JsonValue.Create(1),
            "object" => new JsonObject { ["bearer"] = true },
            "array" => new JsonArray("bearer"),
            _ => JsonValue.Create(true),
        };
        await using var api = LoopbackServer.Ok("{}");

        var (outcome, _) = await RunAsync(() => new JsonObject { ["access_token"] = "at-1", ["token_type"] = type.DeepClone() }, api);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenRejected));
        Assert.That(api.Requests, Is.Empty, "no call without a token");
        Assert.That(_h.Logs, Has.None.Contains("crashed"));
    }

    /// <summary>
    /// Found by the egress sweep: an access token outside RFC 6749's VSCHAR (A.12: %x20-7E) was cached and sent, so every
    /// call with it failed below HTTP (connection_failed, retried) or carried a control character, until it expired.
    /// </summary>
    [TestCase("t\u00f6ken")]
    [TestCase("tok\ud800en")]
    [TestCase("tok\u0001en")]
    [TestCase("tok\u007fen")]
    public async Task An_access_token_that_is_not_visible_ascii_is_rejected_and_never_sent(string token)
    {
        await using var api = LoopbackServer.Ok("{}");

        var (outcome, _) = await RunAsync(() => new JsonObject { ["access_token"] = token, ["token_type"] = "Bearer" }, api);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenRejected));
        Assert.That(api.Requests, Is.Empty, "no call without a usable token");
    }

    /// <summary>
    /// Found by the answers sweep: an escaped lone surrogate in a token answer's string made GetString throw
    /// InvalidOperationException, which the parser's JsonException catch missed: the run ended internal_error
    /// ("crashed", an Error log) instead of oauth_token_rejected. A name given twice is refused as not one answer.
    /// </summary>
    [TestCase("""{"access_token":"\ud800","token_type":"Bearer"}""")]
    [TestCase("""{"access_token":"at-1","token_type":"\udc00"}""")]
    [TestCase("""{"access_token":"at-1","token_type":"Bearer","refresh_token":"r\ud83d"}""")]
    [TestCase("""{"access_token":"at-1","token_type":"Bearer","\ud800":1}""")]
    [TestCase("""{"access_token":"at-1","access_token":"at-2","token_type":"Bearer"}""")]
    public async Task A_token_answer_whose_text_is_not_readable_is_rejected_not_a_crash(string raw)
    {
        await using var api = LoopbackServer.Ok("{}");
        await using var tokens = new TokenEndpoint { RawBody = raw };
        var input = tokens.ClientCredentials(api, "cs-1") with { Resilience = new ConnectionResilience { MaxRetries = 0 } };
        var connection = await _h.CreateAsync(Tenant, input);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenRejected));
        Assert.That(api.Requests, Is.Empty, "no call without a usable token");
        Assert.That(_h.Logs, Has.None.Contains("crashed"));
    }

    /// <summary>A UTF-8 byte order mark before the token answer (IIS, .NET's Encoding.UTF8) is not part of the JSON: the token is used.</summary>
    [Test]
    public async Task A_token_answer_with_a_byte_order_mark_is_read()
    {
        await using var api = LoopbackServer.Ok("{}");
        await using var tokens = new TokenEndpoint { RawBody = "\uFEFF" + """{"access_token":"at-bom","token_type":"Bearer","expires_in":3600}""" };
        var input = tokens.ClientCredentials(api, "cs-1") with { Resilience = new ConnectionResilience { MaxRetries = 0 } };
        var connection = await _h.CreateAsync(Tenant, input);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(api.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer at-bom"));
    }
}
