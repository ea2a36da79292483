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
}
