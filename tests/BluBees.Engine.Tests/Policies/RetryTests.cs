using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using static BluBees.Engine.Tests.Policies.Scripted;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Policies;

/// <summary>Retries against real loopback servers on a fake clock: backoff, Retry-After, and which methods may repeat.</summary>
public sealed class RetryTests
{
    private static readonly TenantId Tenant = new("tenant-retry");
    private static readonly ConnectionResilience TwoRetries = new() { MaxRetries = 2, RetryDelayMs = 200 };

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    [Test]
    public async Task A_get_is_retried_with_backoff_until_it_succeeds()
    {
        await using var server = Sequence(Answer(503), Answer(502), Answer(200, """{"ok":true}"""));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var first = await _h.Time.SkipNextDelayAsync();
        var second = await _h.Time.SkipNextDelayAsync();
        var outcome = await run;

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(200));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(3));
        Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(2));
        Assert.That(outcome.Record.Metrics.CircuitOpen, Is.False);
        Assert.That(outcome.Output!["status"]!.GetValue<int>(), Is.EqualTo(200));
        Assert.That(server.Requests, Has.Count.EqualTo(3));
        Assert.That(first, Is.GreaterThan(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(15)), "a jittered backoff delay was scheduled");
        Assert.That(second, Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public async Task Retries_stop_after_the_configured_count_and_the_last_answer_is_the_result()
    {
        await using var server = Sequence(Answer(503));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        await _h.Time.SkipNextDelayAsync();
        await _h.Time.SkipNextDelayAsync();
        var outcome = await run;

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(3));
        Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(2));
        Assert.That(server.Requests, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Retry_After_decides_the_wait_instead_of_the_backoff()
    {
        await using var server = Sequence(Answer(429, "{}", ("Retry-After", "7")), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        var delay = await _h.Time.NextDelayAsync();
        Assert.That(delay, Is.EqualTo(TimeSpan.FromSeconds(7)));
        _h.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.That(run.IsCompleted, Is.False, "still waiting: the server asked for 7 s");
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await run;

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
        Assert.That(server.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Retry_After_as_an_http_date_is_honoured()
    {
        var at = _h.Time.GetUtcNow().AddSeconds(8).ToString("r", System.Globalization.CultureInfo.InvariantCulture);
        await using var server = Sequence(Answer(503, "{}", ("Retry-After", at)), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));
        Assert.That(await _h.Time.SkipNextDelayAsync(), Is.EqualTo(TimeSpan.FromSeconds(8)));
        Assert.That((await run).Record.Attempts, Is.EqualTo(2));
    }

    [Test]
    public async Task A_Retry_After_beyond_the_connection_maximum_is_not_waited_for()
    {
        await using var server = Sequence(Answer(429, "{}", ("Retry-After", "600")), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries with { MaxRetryAfterSeconds = 30 });

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(429));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(1));
        Assert.That(server.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_post_without_an_idempotency_key_is_never_retried()
    {
        await using var server = Sequence(Answer(503), Answer(201));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, "POST"));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(1));
        Assert.That(outcome.Record.Metrics, Is.Null, "no policy decision to report");
        Assert.That(server.Requests, Has.Count.EqualTo(1));
        Assert.That(_h.Time.HasPendingDelay, Is.False, "no retry was scheduled");
    }

    [Test]
    public async Task A_post_with_an_idempotency_key_is_retried_with_the_same_key()
    {
        await using var server = Sequence(Answer(503), Answer(201));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);
        var step = PolicyHarness.Step(connection, "POST", headers: """{ "Idempotency-Key": "create-{{ issue.key }}" }""");

        var run = _h.RunAsync(Tenant.Value, step);
        await _h.Time.SkipNextDelayAsync();
        var outcome = await run;

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
        var keys = server.Requests.Select(r => r.Header("Idempotency-Key")).ToArray();
        Assert.That(keys, Has.Length.EqualTo(2));
        Assert.That(keys.Distinct().Single(), Does.StartWith("create-"));
        Assert.That(server.Requests.Select(r => r.Body.Length), Is.All.GreaterThan(0), "the body is sent again");
    }

    [Test]
    public async Task A_client_error_is_not_retried()
    {
        await using var server = Sequence(Answer(404), Answer(200));
        var connection = await _h.CreateAsync(Tenant, server, TwoRetries);

        var outcome = await _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(1));
    }

    [Test]
    public async Task A_refused_connection_is_retried_even_for_a_post_because_nothing_was_sent()
    {
        var port = DestinationTests.FreePort();
        var connection = await _h.CreateAsync(Tenant, new ConnectionInput
        {
            Name = "Gone",
            BaseUrl = $"http://127.0.0.1:{port}/api",
            Auth = new ConnectionAuth { Type = AuthTypes.None },
            Resilience = new ConnectionResilience { MaxRetries = 1, RetryDelayMs = 200 },
        });

        var run = _h.RunAsync(Tenant.Value, PolicyHarness.Step(connection, "POST"));
        await _h.Time.SkipNextDelayAsync();
        var outcome = await run;

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Refused));
        Assert.That(outcome.Record.Attempts, Is.EqualTo(2));
        Assert.That(outcome.Record.Metrics!.Retries, Is.EqualTo(1));
    }
}
