using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// An event comes in through Forge ingress, a rule maps it, and the third party receives the request with
/// the credential — while the store, the data directory and the logs keep nothing but metadata.
/// </summary>
[TestFixture]
public sealed class PassThroughTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _thirdParty = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _thirdParty = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _thirdParty.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task Event_reaches_the_third_party_mapped_and_authenticated_and_only_metadata_is_kept()
    {
        var tenant = Samples.NewTenant();
        var secret = Samples.Canary("secret");
        var payloadCanary = Samples.Canary("payload");
        var before = _thirdParty.Received.Count;
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, secret), 201);
        var connectionId = connection["id"]!.GetValue<string>();
        var rule = await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connectionId), 201);

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-17", "Checkout broken " + payloadCanary));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var received = (await _thirdParty.WaitForAsync(before + 1))[^1];
        Assert.Multiple(() =>
        {
            Assert.That(received.Method, Is.EqualTo("POST"));
            Assert.That(received.Path, Is.EqualTo("/api/v2/tickets/OPS-17"));
            Assert.That(received.Query, Is.EqualTo("?source=jira"));
            Assert.That(received.Headers["Authorization"], Is.EqualTo("Bearer " + secret));
            Assert.That(received.Headers["Content-Type"], Does.StartWith("application/json"));
        });
        var body = JsonNode.Parse(received.Body)!;
        Assert.That(body["key"]!.GetValue<string>(), Is.EqualTo("OPS-17"));
        Assert.That(body["title"]!.GetValue<string>(), Is.EqualTo("Checkout broken " + payloadCanary));
        Assert.That(body["points"]!.GetValue<int>(), Is.EqualTo(5), "a single-expression template keeps the number type");

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(run["ruleId"]!.GetValue<string>(), Is.EqualTo(rule["id"]!.GetValue<string>()));
            Assert.That(run["ruleVersion"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(run["eventType"]!.GetValue<string>(), Is.EqualTo("avi:jira:updated:issue"));
            Assert.That(run["issueKey"]!.GetValue<string>(), Is.EqualTo("OPS-17"));
            Assert.That(run["steps"]![0]!["statusCode"]!.GetValue<int>(), Is.EqualTo(200));
            Assert.That(run["steps"]![0]!["host"]!.GetValue<string>(), Is.EqualTo("127.0.0.1"));
            Assert.That(run["steps"]![0]!["connectionId"]!.GetValue<string>(), Is.EqualTo(connectionId));
            Assert.That(run["steps"]![0]!["bytesOut"]!.GetValue<long>(), Is.EqualTo(received.Body.Length));
            Assert.That(run["steps"]![0]!["bytesIn"]!.GetValue<long>(), Is.GreaterThan(0));
        });

        // Canaries: neither the payload nor the credential is kept anywhere.
        var store = string.Join('\n', await _backend.DumpStoreAsync());
        var files = _backend.DumpDataDirectory();
        var logs = _backend.Logs.AllText;
        Assert.That(store, Does.Contain(connectionId), "the dump must actually see the stored items");
        Assert.That(logs, Does.Contain(run["id"]!.GetValue<string>()), "the log capture must actually see run lines");
        foreach (var canary in new[] { payloadCanary, secret })
        {
            Assert.That(store, Does.Not.Contain(canary), "stored items");
            Assert.That(files, Does.Not.Contain(canary), "raw bytes of every file in the data directory, WAL included");
            Assert.That(logs, Does.Not.Contain(canary), "log lines at every level");
        }
    }

    [Test]
    public async Task A_redelivered_event_produces_exactly_one_run()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "t0ken"), 201);
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        var evt = Samples.Event("OPS-88", "Redelivered");
        var statuses = new List<(HttpStatusCode, string?)>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var delivery = (JsonObject)evt.DeepClone();
            if (attempt > 0)
            {
                delivery["retryContext"] = new JsonObject { ["retryCount"] = attempt, ["retryReason"] = "TIMEOUT" };
            }

            using var response = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, delivery);
            statuses.Add((response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())?["status"]?.GetValue<string>()));
        }

        // Redeliveries answer "queued" (202) while the first delivery's run is pending, "duplicate" (200) once it finished.
        Assert.That(statuses[0], Is.EqualTo((HttpStatusCode.Accepted, (string?)"accepted")));
        Assert.That(statuses.Skip(1), Is.All.AnyOf((HttpStatusCode.Accepted, (string?)"queued"), (HttpStatusCode.OK, (string?)"duplicate")));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        await Task.Delay(300); // give any (wrong) second run the chance to appear
        runs = await _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant);
        Assert.That(runs["items"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(_thirdParty.Received.Count(r => r.Path.EndsWith("/OPS-88", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public async Task The_event_envelope_is_accepted_nested_under_payload()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "t0ken"), 201);
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()), 201);
        var nested = new JsonObject { ["payload"] = Samples.Event("OPS-91", "Nested"), ["context"] = new JsonObject { ["cloudId"] = "x" } };

        using var response = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, nested);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var received = await Waits.UntilAsync(() => Task.FromResult(_thirdParty.Received), r => r.Any(x => x.Path.EndsWith("/OPS-91", StringComparison.Ordinal)));
        Assert.That(received.Any(x => x.Path.EndsWith("/OPS-91", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public async Task Conditions_that_do_not_match_send_nothing_and_record_no_run()
    {
        var tenant = Samples.NewTenant();
        var connection = await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_thirdParty.Address, "t0ken"), 201);
        var ruleBody = Samples.Rule(connection["id"]!.GetValue<string>());
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, ruleBody, 201);
        var lowPriority = Samples.Event("OPS-92", "Low");
        lowPriority["issue"]!["fields"]!["priority"]!["name"] = "Low";
        var otherProject = Samples.Event("WEB-93", "Other project");

        using var r1 = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, lowPriority);
        using var r2 = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, otherProject);
        Assert.That(r1.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        // Another project: no enabled rule's trigger could match, so it is acknowledged without being queued.
        Assert.That(r2.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(JsonNode.Parse(await r2.Content.ReadAsStringAsync())!["status"]!.GetValue<string>(), Is.EqualTo("filtered"));

        // A control event that does match proves the worker ran after the two above (in-order queue).
        using var r3 = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-94", "Control"));
        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        Assert.That(runs["items"]!.AsArray().Select(r => r!["issueKey"]!.GetValue<string>()), Is.EqualTo(new[] { "OPS-94" }));
        Assert.That(_thirdParty.Received.Any(x => x.Path.Contains("OPS-92", StringComparison.Ordinal) || x.Path.Contains("WEB-93", StringComparison.Ordinal)), Is.False);
    }
}
