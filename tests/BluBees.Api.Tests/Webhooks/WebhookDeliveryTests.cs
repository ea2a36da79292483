using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Webhooks;

/// <summary>
/// A signed third-party request, forwarded by the Forge web trigger, runs the rules of its hook and reaches the
/// third party mapped — while anything unsigned, tampered or stale, or a signature reused over another body or timestamp, is a 403 that runs nothing; the identical delivery again is a 2xx duplicate that runs nothing (401 is Forge's own: a refused invocation token).
/// </summary>
public sealed class WebhookDeliveryTests : WebhookKit
{
    // forge-app/src/webhook.js (SIGNATURE_REFUSAL) passes a 403 on to the sender only with this detail: change both together.
    private const string Refusal = "The webhook signature or timestamp is invalid.";
    private const string UnknownHook = "^Webhook '[^']*' does not exist\\.$";

    [Test]
    public async Task A_signed_delivery_runs_the_rule_and_nothing_of_it_is_kept()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var ruleId = await HookRuleAsync(tenant, hookId, "ok");
        var note = Samples.Canary("webhook-body");

        using var response = await DeliverSignedAsync(tenant, hookId, secret, OrderBody("A-77", note));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());

        var received = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/ok/")), r => r.Count == 1);
        Assert.That(received.Single().Path, Is.EqualTo("/api/v2/ok/A-77"));
        var body = JsonNode.Parse(received.Single().Body)!;
        Assert.Multiple(() =>
        {
            Assert.That(body["note"]!.GetValue<string>(), Is.EqualTo(note));
            Assert.That(body["hook"]!.GetValue<string>(), Is.EqualTo(hookId));
            Assert.That(body["source"]!.GetValue<string>(), Is.EqualTo("webhook"));
        });

        var run = (await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 1)).Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(run["ruleId"]!.GetValue<string>(), Is.EqualTo(ruleId));
            Assert.That(run["source"]!.GetValue<string>(), Is.EqualTo("webhook"));
            Assert.That(run["eventType"]!.GetValue<string>(), Is.EqualTo("blubees:webhook"));
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        });

        var store = string.Join('\n', await Backend.DumpStoreAsync());
        var files = Backend.DumpDataDirectory();
        var logs = Backend.Logs.AllText;
        Assert.Multiple(() =>
        {
            Assert.That(store, Does.Not.Contain(note), "the body is pass-through");
            Assert.That(files, Does.Not.Contain(note));
            Assert.That(logs, Does.Not.Contain(note));
            Assert.That(store, Does.Not.Contain(secret), "the secret is stored only as ciphertext");
            Assert.That(files, Does.Not.Contain(secret));
            Assert.That(logs, Does.Not.Contain(secret));
            Assert.That(store, Does.Contain($"HOOK#{hookId}").And.Contain("\"secretCiphertext\":\"v2."));
        });
    }

    [Test]
    public async Task The_signature_may_carry_a_prefix_upper_case_hex_and_a_numeric_timestamp()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "variants");
        var seconds = Clock.GetUtcNow().ToUnixTimeSeconds();
        var body = OrderBody("B-1", "x");

        using var response = await DeliverAsync(tenant, hookId, body, "sha256=" + Sign(secret, seconds.ToString(CultureInfo.InvariantCulture), body).ToUpperInvariant(), JsonValue.Create(seconds));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/variants/B-1")), r => r.Count == 1), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_body_at_the_deepest_accepted_nesting_runs_its_rule()
    {
        // Accepted bodies nest at most 64 deep (JsonScan.MaxDepth); the run message wraps the body two levels deeper
        // ({"webhook": {"body": …}}), and the worker must read what the ingress accepted (it once failed such runs).
        foreach (var depth in new[] { 63, 64, 65 })
        {
            var tenant = Samples.NewTenant();
            var (hookId, secret) = await CreateHookAsync(tenant);
            var marker = $"deep{depth}";
            await HookRuleAsync(tenant, hookId, marker);
            var body = "{\"order\":{\"id\":\"D-" + depth + "\"},\"deep\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}";

            using var response = await DeliverSignedAsync(tenant, hookId, secret, body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), $"depth {depth}");
            var run = (await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count == 1)).Single()!;
            if (depth <= 64)
            {
                // Up to 64 the body is JSON: the order id reaches the path.
                Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), $"depth {depth}: {run.ToJsonString()}");
                Assert.That((await Waits.UntilAsync(() => Task.FromResult(ReceivedAt($"/api/v2/{marker}/")), r => r.Count == 1)).Single().Path, Is.EqualTo($"/api/v2/{marker}/D-{depth}"));
                continue;
            }

            // Deeper, the body reaches the rule as a string (read, not refused): the worker opened the message and
            // rendered the step, whose order id is then empty. A path whose last segment renders empty would address
            // the collection, so the step fails at its path before anything is sent (docs/api.md, HTTP step).
            var step = run["steps"]!.AsArray().Single()!;
            Assert.Multiple(() =>
            {
                Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("failed"), $"depth {depth}: {run.ToJsonString()}");
                Assert.That(step["errorCategory"]!.GetValue<string>(), Is.EqualTo("template_error"), run.ToJsonString());
                Assert.That(step["failedField"]!.GetValue<string>(), Is.EqualTo("path"), run.ToJsonString());
                Assert.That(ReceivedAt($"/api/v2/{marker}/"), Is.Empty, "nothing sent");
            });
        }
    }

    [Test]
    public async Task A_body_up_to_the_webhook_cap_is_accepted_and_run()
    {
        // 400 KB signed body: above the 256 KiB event cap (once the server-wide limit), inside the webhook's 512 KiB.
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "large");
        using var response = await DeliverSignedAsync(tenant, hookId, secret, OrderBody("L-1", new string('n', 400 * 1024)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        Assert.That((await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/large/")), r => r.Count == 1)).Single().Path, Is.EqualTo("/api/v2/large/L-1"));
    }

    [Test]
    public async Task A_body_that_is_not_json_reaches_the_rule_as_a_string()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await CreateRuleAsync(tenant, Rule(await CreateConnectionAsync(tenant), new JsonObject { ["type"] = "webhook", ["webhookId"] = hookId }, "/raw", new JsonObject { ["raw"] = "{{ webhook.body }}" }));

        using var response = await DeliverSignedAsync(tenant, hookId, secret, "order=7&state=paid");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var received = await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/raw")), r => r.Count == 1);
        Assert.That(JsonNode.Parse(received.Single().Body)!["raw"]!.GetValue<string>(), Is.EqualTo("order=7&state=paid"));
    }

    /// <summary>Builds the delivery a forger sends, from the real secret, the current timestamp and a genuine body.</summary>
    public delegate (string Body, string? Signature, string? Timestamp) Forgery(string secret, string timestamp, string body);

    private static IEnumerable<TestCaseData> Forgeries()
    {
        yield return Case("wrong secret", (_, ts, body) => (body, Sign("another-secret-entirely-0000000000000000000", ts, body), ts));
        yield return Case("tampered body", (secret, ts, body) => (body.Replace("A-1", "A-2", StringComparison.Ordinal), Sign(secret, ts, body), ts));
        yield return Case("tampered timestamp", (secret, ts, body) => (body, Sign(secret, ts, body), (Seconds(ts) - 1).ToString(CultureInfo.InvariantCulture)));
        yield return Case("stale timestamp", (secret, ts, body) => Signed(secret, Seconds(ts) - 6 * 60, body));
        yield return Case("future timestamp", (secret, ts, body) => Signed(secret, Seconds(ts) + 6 * 60, body));
        yield return Case("millisecond timestamp", (secret, ts, body) => Signed(secret, Seconds(ts) * 1000, body));
        yield return Case("truncated signature", (secret, ts, body) => (body, Sign(secret, ts, body)[..40], ts));
        yield return Case("not hex", (_, ts, body) => (body, new string('z', 64), ts));
        yield return Case("no signature", (_, ts, body) => (body, null, ts));
        yield return Case("no timestamp", (secret, ts, body) => (body, Sign(secret, ts, body), null));
    }

    private static TestCaseData Case(string what, Forgery forgery) => new TestCaseData(what, forgery).SetArgDisplayNames(what);

    private static long Seconds(string timestamp) => long.Parse(timestamp, CultureInfo.InvariantCulture);

    private static (string, string?, string?) Signed(string secret, long seconds, string body)
    {
        var ts = seconds.ToString(CultureInfo.InvariantCulture);
        return (body, Sign(secret, ts, body), ts);
    }

    [TestCaseSource(nameof(Forgeries))]
    public async Task A_forged_delivery_is_403_and_runs_nothing(string what, Forgery forge)
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var marker = "forged-" + Guid.NewGuid().ToString("N")[..8];
        await HookRuleAsync(tenant, hookId, marker);
        var (body, signature, timestamp) = forge(secret, Now, OrderBody("A-1", "n"));

        using var response = await DeliverAsync(tenant, hookId, body, signature, timestamp);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), what);
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Is.EqualTo(Refusal), "the answer does not say which part failed");
        await SettleAsync();
        Assert.That(ReceivedAt($"/api/v2/{marker}"), Is.Empty, what);
        Assert.That(await RunsAsync(tenant), Is.Empty, what);
    }

    /// <summary>
    /// The sender's retry of a delivery whose 202 it never saw (the identical request: same body, timestamp and
    /// signature, in any spelling) is answered 2xx <c>duplicate</c> and runs nothing a second time; it was a 403 that
    /// told the sender its accepted delivery had failed. The signature alone never buys that answer: reused over
    /// another body, or another timestamp, it is the refusal, and nothing runs.
    /// </summary>
    [Test]
    public async Task The_identical_delivery_again_is_answered_duplicate_and_runs_once_while_a_reused_signature_is_403()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "replay");
        var body = OrderBody("R-1", "once");
        var ts = Now;
        var signature = Sign(secret, ts, body);

        using var first = await DeliverAsync(tenant, hookId, body, signature, ts);
        using var replay = await DeliverAsync(tenant, hookId, body, "sha256=" + signature.ToUpperInvariant(), ts);
        // Let the run finish before moving the fake clock: its HTTP step's timeout runs on the same clock.
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        await SettleAsync();
        Clock.Advance(TimeSpan.FromMinutes(4));
        using var later = await DeliverAsync(tenant, hookId, body, signature, ts);
        using var otherBody = await DeliverAsync(tenant, hookId, OrderBody("R-2", "once"), signature, ts);
        var otherTs = (long.Parse(ts, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        using var otherTimestamp = await DeliverAsync(tenant, hookId, body, signature, otherTs);
        Assert.Multiple(async () =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(await StatusAsync(first), Is.EqualTo("accepted"));
            Assert.That(replay.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Accepted), "same delivery, signature in another spelling");
            Assert.That(await StatusAsync(replay), Is.AnyOf("duplicate", "queued"), "marked as the same delivery, not a new one");
            Assert.That(later.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the run has finished: a duplicate");
            Assert.That(await StatusAsync(later), Is.EqualTo("duplicate"));
            Assert.That(otherBody.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the signature reused over another body");
            Assert.That((await ProblemAsync(otherBody))["detail"]!.GetValue<string>(), Is.EqualTo(Refusal));
            Assert.That(otherTimestamp.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the signature reused with another timestamp");
        });
        await SettleAsync();
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1));
        Assert.That(ReceivedAt("/api/v2/replay/R-2"), Is.Empty, "the other body never ran");
        // One run sends once; a transport retry of that send (a slow answer on a loaded machine) repeats its
        // Idempotency-Key, so the third party sees one operation. A second run would carry another key.
        var keys = ReceivedAt("/api/v2/replay/R-1")
            .Select(r => r.Headers.FirstOrDefault(h => h.Key.Equals("Idempotency-Key", StringComparison.OrdinalIgnoreCase)).Value)
            .ToList();
        Assert.That(keys, Is.Not.Empty.And.All.Not.Null);
        Assert.That(keys.Distinct().Count(), Is.EqualTo(1), "the repeated delivery must not start a second operation");
    }

    private static async Task<string?> StatusAsync(HttpResponseMessage response)
        => JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>();

    /// <summary>
    /// The last instant a delivery is fresh: timestamped at the future edge of the window (now + 5 min) and replayed
    /// exactly 10 min later, when the timestamp is at the past edge (now − 5 min, still accepted). The replay record
    /// must still exist then; it used to expire at that very second (expiry is in whole seconds, "expired" is ≤ now).
    /// </summary>
    [Test]
    public async Task A_replay_at_the_last_fresh_instant_of_a_future_timestamp_is_still_a_duplicate()
    {
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        await HookRuleAsync(tenant, hookId, "edge");
        var now = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond - now.UtcTicks % TimeSpan.TicksPerSecond)); // a whole second
        var body = OrderBody("E-1", "edge");
        var ts = (Clock.GetUtcNow().ToUnixTimeSeconds() + 5 * 60).ToString(CultureInfo.InvariantCulture);
        var signature = Sign(secret, ts, body);

        using var first = await DeliverAsync(tenant, hookId, body, signature, ts);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Clock.Advance(TimeSpan.FromMinutes(10));
        using var replay = await DeliverAsync(tenant, hookId, body, signature, ts);

        Assert.That(replay.StatusCode, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.Accepted), "the timestamp is exactly 5 min old: fresh, so only the replay record can tell it from a new delivery");
        Assert.That(await StatusAsync(replay), Is.AnyOf("queued", "duplicate"), "not 'accepted': that would be a second run");
        await Waits.UntilAsync(() => RunsAsync(tenant), r => r.Count >= 1);
        await SettleAsync();
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_replay_at_the_last_fresh_instant_to_a_hook_no_rule_uses_is_still_a_duplicate()
    {
        // A hook with no enabled rule queues nothing, so its replay record is its own (not the queue's de-dup
        // marker): it must outlive the replay window up to and including its last instant as well.
        var tenant = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(tenant);
        var now = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond - now.UtcTicks % TimeSpan.TicksPerSecond)); // a whole second
        var body = OrderBody("E-2", "edge-unused");
        var ts = (Clock.GetUtcNow().ToUnixTimeSeconds() + 5 * 60).ToString(CultureInfo.InvariantCulture);
        var signature = Sign(secret, ts, body);

        using var first = await DeliverAsync(tenant, hookId, body, signature, ts);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Clock.Advance(TimeSpan.FromMinutes(10));
        using var replay = await DeliverAsync(tenant, hookId, body, signature, ts);

        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the timestamp is exactly 5 min old: fresh, so only the replay record can tell it from a new delivery");
        Assert.That(await StatusAsync(replay), Is.EqualTo("duplicate"));
    }

    [Test]
    public async Task Another_tenants_hook_is_404_even_when_correctly_signed()
    {
        var owner = Samples.NewTenant();
        var (hookId, secret) = await CreateHookAsync(owner);
        await HookRuleAsync(owner, hookId, "cross");

        using var response = await DeliverSignedAsync(Samples.NewTenant(), hookId, secret, OrderBody("X-1", "n"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Match(UnknownHook),
            "the forwarder passes a 404 to the sender only with this text (forge-app/src/webhook.js UNKNOWN_HOOK): any other 404 is retried");
        await SettleAsync();
        Assert.That(await RunsAsync(owner), Is.Empty);
    }

    [Test]
    public async Task Only_the_rules_of_the_delivered_hook_run()
    {
        var tenant = Samples.NewTenant();
        var (hookA, secretA) = await CreateHookAsync(tenant, "A");
        var (hookB, _) = await CreateHookAsync(tenant, "B");
        await HookRuleAsync(tenant, hookA, "hook-a");
        await HookRuleAsync(tenant, hookB, "hook-b");

        using var response = await DeliverSignedAsync(tenant, hookA, secretA, OrderBody("S-1", "n"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Waits.UntilAsync(() => Task.FromResult(ReceivedAt("/api/v2/hook-a/")), r => r.Count == 1);
        await SettleAsync();
        Assert.That(ReceivedAt("/api/v2/hook-b/"), Is.Empty);
        Assert.That(await RunsAsync(tenant), Has.Count.EqualTo(1));
    }

    [TestCase("""{"signature":"x","timestamp":"1","body":"{}"}""", "hookId")]
    [TestCase("""{"hookId":"../../x","body":"{}"}""", "hookId")]
    [TestCase("""{"hookId":"hook_abc","body":{"order":1}}""", "body")]
    [TestCase("""{"hookId":"hook_abc"}""", "body")]
    public async Task A_malformed_forwarded_request_is_400_naming_the_field(string envelope, string field)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", ForgeToken(Samples.NewTenant(), "/forge/webhook"), envelope, withUserToken: false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]![field], Is.Not.Null);
    }

    [Test]
    public async Task The_webhook_route_needs_a_Forge_token()
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/webhook", token: null, """{"hookId":"hook_x","body":""}""", withUserToken: false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("Forge Invocation Token"));
    }
}
