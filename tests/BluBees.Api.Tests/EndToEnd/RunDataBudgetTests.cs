using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// The data one run may hold in memory (<c>Runs:MaxRunDataBytes</c>), on the real app against a loopback third party
/// whose answers are near the step cap: each answer is capped, but nothing bounded how many a run kept in scope (up
/// to 50 steps, each a JSON tree several times the answer), nor how often a parallel loop copied that scope. Small
/// limits here (answers of 60–100 KB, a 256 KiB budget) stand for the defaults (1 MiB, 16 MiB); sizes, not timings.
/// </summary>
[TestFixture]
public sealed class RunDataBudgetTests
{
    private const int Budget = 256 * 1024;
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["Runs:MaxStepResponseBytes"] = (128 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Runs:MaxRunDataBytes"] = Budget.ToString(CultureInfo.InvariantCulture),
        });
        _api = await ThirdPartyApi.StartAsync();
        _api.Respond = request => request.Path switch
        {
            "/api/v2/big" => (200, Answer(60_000)),
            "/api/v2/bigger" => (200, Answer(100_000)),
            _ => (200, """{"ok":true}"""),
        };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    /// <summary>About <paramref name="bytes"/> of JSON, with a list of ten items to loop over.</summary>
    private static string Answer(int bytes) => new JsonObject
    {
        ["items"] = new JsonArray([.. Enumerable.Range(1, 10).Select(i => (JsonNode)i)]),
        ["data"] = new string('x', bytes),
    }.ToJsonString();

    private static string Http(string id, string connection, string path) =>
        $$"""{ "id": "{{id}}", "type": "http", "connection": "{{connection}}", "method": "GET", "path": "{{path}}" }""";

    private static JsonObject Rule(params string[] steps) => JsonNode.Parse($$"""
        {
          "name": "Keeps large answers",
          "trigger": { "type": "event", "events": ["avi:jira:updated:issue"] },
          "steps": [ {{string.Join(", ", steps)}} ]
        }
        """)!.AsObject();

    [Test]
    public async Task The_step_whose_answer_would_take_the_run_past_its_data_budget_fails_with_a_category_and_the_rest_do_not_run()
    {
        var (tenant, connection) = await TenantAsync();
        // Five answers of 60 KB (300 KB) do not fit in 256 KiB with the event; four do.
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant,
            Rule([.. Enumerable.Range(1, 6).Select(i => Http("get" + i, connection, "/big"))]), 201);

        var run = await RunAsync(tenant);

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"));
        Assert.That(run["errorCategory"]!.GetValue<string>(), Is.EqualTo("run_data_budget_exceeded"));
        Assert.That(run["steps"]!.AsArray().Select(s => $"{s!["id"]} {s["status"]} {s["errorCategory"]}"), Is.EqualTo(new[]
        {
            "get1 succeeded ", "get2 succeeded ", "get3 succeeded ", "get4 succeeded ",
            "get5 failed run_data_budget_exceeded", "get6 skipped ",
        }));
        Assert.That(run["steps"]![4]!["statusCode"]!.GetValue<int>(), Is.EqualTo(200), "the request was sent; its answer was not kept");
    }

    [Test]
    public async Task A_loops_iterations_give_their_outputs_bytes_back_as_they_are_cleared()
    {
        var (tenant, connection) = await TenantAsync();
        // Ten iterations each keep a 60 KB answer: 660 KB in all, but never more than two answers at once.
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(
            Http("big", connection, "/big"),
            $$"""{ "id": "each", "type": "forEach", "items": "steps.big.body.items", "steps": [ {{Http("again", connection, "/big")}} ] }"""), 201);

        var run = await RunAsync(tenant);

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(run["steps"]![1]!["loop"]!["succeeded"]!.GetValue<int>(), Is.EqualTo(10));
    }

    [Test]
    public async Task A_parallel_loop_starts_only_the_workers_whose_scope_copies_fit_in_the_runs_data_budget()
    {
        var (tenant, connection) = await TenantAsync();
        // The scope holds the event and a 100 KB answer: with the 256 KiB budget, one copy fits beside it, not nine.
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Rule(
            Http("big", connection, "/bigger"),
            $$"""{ "id": "each", "type": "forEach", "items": "steps.big.body.items", "parallelism": 10, "steps": [ {{Http("note", connection, "/small")}} ] }"""), 201);

        var run = await RunAsync(tenant);

        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        var loop = run["steps"]![1]!["loop"]!;
        Assert.That((loop["succeeded"]!.GetValue<int>(), loop["parallelism"]!.GetValue<int>()), Is.EqualTo((10, 10)));
        Assert.That(_backend.Logs.Lines.Where(l => l.Contains("Loop each of rule", StringComparison.Ordinal)).Select(l => l.Split(" | ")[0]),
            Is.EqualTo(new[] { "Warning BluBees.Engine.Runs.RunProcessor: Loop each of rule " + run["ruleId"] + " runs 2 of 10 workers: the run's data budget of 262144 bytes holds no more copies of its scope" }),
            "before, ten workers each copied the whole scope, whatever it held");
    }

    private async Task<(string Tenant, string Connection)> TenantAsync()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_api.Address, Samples.Canary("secret")), 201);
        return (tenant, connection["id"]!.GetValue<string>());
    }

    private async Task<JsonObject> RunAsync(string tenant)
    {
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        var evt = Samples.Event("OPS-40", "Parent");
        evt["timestamp"] = DateTimeOffset.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events")
        {
            Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", token);
        using var accepted = await _backend.Client.SendAsync(request);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var page = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        return page["items"]!.AsArray().Single()!.AsObject();
    }
}
