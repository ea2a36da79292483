using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Scheduling;

/// <summary>
/// A shared backend whose clock is a <see cref="FakeTimeProvider"/> (tokens are minted at the fake time by the
/// harness), plus one third party; each test uses its own tenant.
/// </summary>
public abstract class FakeClockFixture
{
    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    protected TestIssuer Issuer { get; private set; } = null!;
    protected BackendHost Backend { get; private set; } = null!;
    protected ThirdPartyApi ThirdParty { get; private set; } = null!;

    /// <summary>The backend's settings beyond the harness's (null: none).</summary>
    protected virtual IDictionary<string, string?>? BackendSettings => null;

    [OneTimeSetUp]
    public async Task StartBackendAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        Backend = await BackendHost.StartAsync(Issuer, BackendSettings, s => s.AddSingleton<TimeProvider>(Clock));
        ThirdParty = await ThirdPartyApi.StartAsync();
    }

    /// <summary>
    /// The backend first, while the third party still answers (a run still calling it finishes rather than failing
    /// into a retry's delay), on its clock moved on as it stops (<see cref="BackendHost.DisposeAsync(FakeTimeProvider)"/>).
    /// </summary>
    [OneTimeTearDown]
    public async Task StopBackendAsync()
    {
        await Backend.DisposeAsync(Clock);
        await ThirdParty.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    /// <summary>A Forge token for a product-level call to the route (its module, no user), minted at the fake time.</summary>
    protected string ForgeToken(string tenant, string path) => Issuer.MintFor(path, tenant, Clock.GetUtcNow());

    protected async Task<string> CreateConnectionAsync(string tenant)
        => (await Backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(ThirdParty.Address, "t0ken"), 201))["id"]!.GetValue<string>();

    protected async Task<string> CreateRuleAsync(string tenant, JsonObject rule)
        => (await Backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201))["id"]!.GetValue<string>();

    /// <summary>A rule with the given trigger and one POST step to the third party.</summary>
    /// <summary>A rule; without a name, a distinct one each call (rule names are unique per tenant).</summary>
    protected static JsonObject Rule(string connectionId, JsonObject trigger, string path, JsonObject? body = null, string? name = null) => new()
    {
        ["name"] = name ?? "Rule " + Guid.NewGuid().ToString("N")[..6],
        ["trigger"] = trigger,
        ["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "call",
            ["type"] = "http",
            ["connection"] = connectionId,
            ["method"] = "POST",
            ["path"] = path,
            ["body"] = body ?? new JsonObject { ["source"] = "{{ event.source }}" },
        }),
    };

    /// <summary>Requests the third party received for paths starting with <paramref name="pathPrefix"/>.</summary>
    protected IReadOnlyList<ReceivedRequest> ReceivedAt(string pathPrefix)
        => [.. ThirdParty.Received.Where(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal))];

    /// <summary>Gives the worker time to run anything queued (for "nothing happened" assertions).</summary>
    protected static Task SettleAsync() => Task.Delay(300);

    protected static async Task<JsonNode> ProblemAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "errors are RFC 7807 ProblemDetails sent as JSON (Forge's invokeRemote)");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
