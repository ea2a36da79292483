using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.EndToEnd;

/// <summary>
/// A transfer rule written through the admin API and triggered by a Forge event: the source's body reaches the
/// destination with each side's own credential, the run keeps byte counts only, and both connections count as in use.
/// </summary>
[TestFixture]
public sealed class TransferTests
{
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;
    private ThirdPartyApi _source = null!;
    private ThirdPartyApi _storage = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer);
        _source = await ThirdPartyApi.StartAsync();
        _storage = await ThirdPartyApi.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _storage.DisposeAsync();
        await _source.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task An_event_streams_the_source_body_to_the_destination_and_keeps_only_byte_counts()
    {
        var tenant = Samples.NewTenant();
        var (sourceSecret, storageSecret, payload) = (Samples.Canary("src-secret"), Samples.Canary("dst-secret"), Samples.Canary("payload"));
        var exported = $$"""{"export":"{{payload}}","rows":[1,2,3]}""";
        _source.Respond = _ => (200, exported);
        _storage.Respond = _ => (201, """{"fileId":"F-77"}""");
        var from = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_source.Address, sourceSecret), 201))["id"]!.GetValue<string>();
        var to = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_storage.Address, storageSecret), 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(from);
        rule["steps"] = new JsonArray(
            new JsonObject
            {
                ["id"] = "archive",
                ["type"] = "transfer",
                ["source"] = new JsonObject { ["connection"] = from, ["path"] = "/exports/{{ issue.key }}" },
                ["destination"] = new JsonObject { ["connection"] = to, ["method"] = "PUT", ["path"] = "/files/{{ issue.key }}.json" },
                ["maxBytes"] = 1_000_000,
            },
            new JsonObject
            {
                ["id"] = "note",
                ["type"] = "http",
                ["connection"] = to,
                ["method"] = "POST",
                ["path"] = "/notes",
                ["body"] = new JsonObject { ["file"] = "{{ steps.archive.body.fileId }}", ["bytes"] = "{{ steps.archive.bytes }}" },
            });
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);

        using var accepted = await _backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-31", "Export"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), run.ToJsonString());
        var upload = _storage.Received.Single(r => r.Path == "/api/v2/files/OPS-31.json");
        Assert.Multiple(() =>
        {
            Assert.That(_source.Received.Single(r => r.Path == "/api/v2/exports/OPS-31").Headers["Authorization"], Is.EqualTo("Bearer " + sourceSecret));
            Assert.That(upload.Method, Is.EqualTo("PUT"));
            Assert.That(upload.Body, Is.EqualTo(exported));
            Assert.That(upload.Headers["Authorization"], Is.EqualTo("Bearer " + storageSecret), "each side carries its own credential");
            Assert.That(upload.Headers["Content-Type"], Does.StartWith("application/json"), "the source's type passed through");
            var note = JsonNode.Parse(_storage.Received.Single(r => r.Path == "/api/v2/notes").Body)!;
            Assert.That(note["file"]!.GetValue<string>(), Is.EqualTo("F-77"), "a later step maps the destination's answer");
            Assert.That(note["bytes"]!.GetValue<long>(), Is.EqualTo(exported.Length));
            var step = run["steps"]![0]!;
            Assert.That(step["type"]!.GetValue<string>(), Is.EqualTo("transfer"));
            Assert.That(step["method"]!.GetValue<string>(), Is.EqualTo("PUT"));
            Assert.That(step["statusCode"]!.GetValue<int>(), Is.EqualTo(201));
            Assert.That(step["bytesIn"]!.GetValue<long>(), Is.EqualTo(exported.Length));
            Assert.That(step["bytesOut"]!.GetValue<long>(), Is.EqualTo(exported.Length));
            Assert.That(step["metrics"]!["bytesTransferred"]!.GetValue<long>(), Is.EqualTo(exported.Length));
        });

        var store = string.Join('\n', await _backend.DumpStoreAsync());
        var files = _backend.DumpDataDirectory();
        var logs = _backend.Logs.AllText;
        foreach (var canary in new[] { sourceSecret, storageSecret, payload })
        {
            Assert.That(store, Does.Not.Contain(canary), "stored items");
            Assert.That(files, Does.Not.Contain(canary), "raw bytes of the data directory");
            Assert.That(logs, Does.Not.Contain(canary), "log lines");
        }

        using var deleteSource = await _backend.SendAsync(HttpMethod.Delete, "/api/connections/" + from, tenant);
        Assert.That(deleteSource.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a transfer's source connection is in use too");
    }

    [Test]
    public async Task A_Jira_attachment_streams_through_the_media_redirect_and_the_system_token_stays_with_Jira()
    {
        var tenant = Samples.NewTenant();
        var token = _backend.Jira.SystemToken = Samples.Canary("system-token");
        var (storageSecret, payload) = (Samples.Canary("dst-secret"), Samples.Canary("attachment"));
        var content = $$"""{"report":"{{payload}}"}""";
        await using var media = await ThirdPartyApi.StartAsync();
        media.Respond = _ => (200, content);
        _storage.Respond = _ => (201, """{"fileId":"F-78"}""");
        _backend.Jira.Attachments["10042"] = new Uri(media.Address, "/file/10042?client=blubees");
        var to = (await _backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(_storage.Address, storageSecret), 201))["id"]!.GetValue<string>();
        var rule = Samples.Rule(to);
        rule["steps"] = new JsonArray(new JsonObject
        {
            ["id"] = "archive",
            ["type"] = "transfer",
            ["source"] = new JsonObject { ["jiraAttachment"] = "{{ issue.fields.attachment[0].id }}" },
            ["destination"] = new JsonObject { ["connection"] = to, ["path"] = "/files/{{ issue.key }}/{{ issue.fields.attachment[0].filename | url_encode }}" },
        });
        await _backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, rule, 201);
        var evt = Samples.Event("OPS-41", "Export");
        evt["issue"]!["fields"]!["attachment"] = new JsonArray(new JsonObject { ["id"] = "10042", ["filename"] = "report.json" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/events") { Content = new StringContent(evt.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _issuer.MintFor("/forge/events", tenant));
        request.Headers.Add("x-forge-oauth-system", token);

        using var accepted = await _backend.Client.SendAsync(request);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var runs = await Waits.UntilAsync(() => _backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        var run = runs["items"]!.AsArray().Single()!;
        Assert.That(run["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), run.ToJsonString());
        var asked = _backend.Jira.Actions.Single(a => a.Path == "/rest/api/3/attachment/content/10042");
        var fetched = media.Received.Single();
        var upload = _storage.Received.Single(r => r.Path == "/api/v2/files/OPS-41/report.json");
        Assert.Multiple(() =>
        {
            Assert.That(asked.Authorization, Is.EqualTo("Bearer " + token));
            Assert.That(asked.Trace, Does.StartWith("blubees."));
            Assert.That(fetched.Path + fetched.Query, Is.EqualTo("/file/10042?client=blubees"));
            Assert.That(fetched.Headers.ContainsKey("Authorization"), Is.False, "the token is dropped on the redirect to the media host");
            Assert.That(upload.Body, Is.EqualTo(content));
            Assert.That(upload.Headers["Authorization"], Is.EqualTo("Bearer " + storageSecret));
            Assert.That(run["steps"]![0]!["metrics"]!["bytesTransferred"]!.GetValue<long>(), Is.EqualTo(content.Length));
        });

        var store = string.Join('\n', await _backend.DumpStoreAsync());
        var files = _backend.DumpDataDirectory();
        var logs = _backend.Logs.AllText;
        var api = runs.ToJsonString();
        Assert.That(string.Join('\n', media.Received.Concat(_storage.Received).SelectMany(r => r.Headers.Values)), Does.Not.Contain(token));
        foreach (var canary in new[] { token, storageSecret, payload })
        {
            Assert.That(store, Does.Not.Contain(canary), "stored items");
            Assert.That(files, Does.Not.Contain(canary), "raw bytes of the data directory");
            Assert.That(logs, Does.Not.Contain(canary), "log lines");
            Assert.That(api, Does.Not.Contain(canary), "the runs API");
        }
    }

    [TestCase("""{"url":"https://files.example.com/a","method":"DELETE"}""", """{"url":"https://store.example.com/b"}""", "steps[0].source.method", "'DELETE' is not allowed here")]
    [TestCase("""{"url":"https://files.example.com/a"}""", """{"url":"https://store.example.com/b","body":"x"}""", "steps[0].destination.body", "unknown property 'body'")]
    [TestCase("""{"url":"https://files.example.com/a"}""", null, "steps[0].destination", "is required")]
    [TestCase("""{"jiraAttachment":"{{ issue.id }}","url":"https://files.example.com/a"}""", """{"url":"https://store.example.com/b"}""", "steps[0].source.url", "cannot be combined with 'jiraAttachment'")]
    [TestCase("""{"jiraAttachment":""}""", """{"url":"https://store.example.com/b"}""", "steps[0].source.jiraAttachment", "must not be empty")]
    public async Task An_invalid_transfer_step_is_refused_with_the_field_named(string source, string? destination, string field, string message)
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule("conn_x");
        var step = new JsonObject { ["id"] = "archive", ["type"] = "transfer", ["source"] = JsonNode.Parse(source) };
        if (destination is not null)
        {
            step["destination"] = JsonNode.Parse(destination);
        }

        rule["steps"] = new JsonArray(step);

        using var response = await _backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), problem.ToJsonString());
        Assert.That(problem["errors"]![field]![0]!.GetValue<string>(), Does.Contain(message), problem.ToJsonString());
    }
}
