using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Inputs at the edges of what the routes accept, each once a 500, a silent merge, an echo or a wrong answer (found by
/// an adversarial input sweep): every test states the answer the route now gives.
/// </summary>
public sealed class InputEdgeCaseTests : BackendFixture
{
    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string tenant, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.ForRoute(path.Split('?')[0], tenant)));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        if (body is not null)
        {
            request.Content = Json(body);
        }

        return await Backend.Client.SendAsync(request);
    }

    private static async Task<JsonObject> AssertInvalidNamingAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(400), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Has.Member(field), text);
        return errors;
    }

    // ---- Keys that are data (headers, query, bodies) keep their case: two entries, never one ----

    [TestCase("query")]
    [TestCase("headers")]
    [TestCase("body")]
    public async Task Case_variant_keys_that_are_data_are_kept_apart(string member)
    {
        // A query parameter's name, a header's name, a body's property are data: "x-page" and "X-Page" are two entries
        // (the serializer's case-insensitive matching once made the body and the warnings' walk throw: a 500).
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        ((JsonObject)rule["steps"]![0]!)[member] = new JsonObject { ["x-page"] = "1", ["X-Page"] = "2" };
        using var response = await SendRawAsync(HttpMethod.Post, "/api/rules/validate", tenant, rule.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
    }

    // ---- Duplicate properties that differ only in case (the serializer binds names case-insensitively) ----

    [TestCase("/api/support/grants", "{\"hours\":1,\"Hours\":72}", "hours")]
    [TestCase("/api/webhooks", "{\"name\":\"w1\",\"Name\":\"w2\"}", "name")]
    [TestCase("/api/rules", "{\"name\":\"first\",\"Name\":\"second\",\"trigger\":{\"type\":\"manual\"},\"steps\":[{\"id\":\"a\",\"type\":\"jira.comment\",\"body\":\"x\"}]}", "name")]
    [TestCase("/api/rules", "{\"name\":\"r\",\"trigger\":{\"type\":\"manual\",\"TYPE\":\"event\"},\"steps\":[{\"id\":\"a\",\"type\":\"jira.comment\",\"body\":\"x\"}]}", "trigger.type")]
    [TestCase("/api/rules", "{\"name\":\"r\",\"trigger\":{\"type\":\"manual\"},\"steps\":[{\"id\":\"a\",\"type\":\"jira.comment\",\"body\":\"x\",\"Body\":\"y\"}]}", "steps[0].body")]
    [TestCase("/api/connections", "{\"name\":\"c1\",\"baseUrl\":\"https://example.com\",\"auth\":{\"type\":\"bearer\"},\"secret\":\"first\",\"SECRET\":\"second\"}", "secret")]
    public async Task Case_variant_duplicate_properties_are_refused_naming_the_field(string path, string body, string field)
    {
        var tenant = Samples.NewTenant();
        using var response = await SendRawAsync(HttpMethod.Post, path, tenant, body);
        var errors = await AssertInvalidNamingAsync(response, field);
        Assert.That(errors[field]![0]!.GetValue<string>(), Does.Contain("more than once"));
    }

    // ---- Validation error keys never echo a submitted property name that is long or not plain ----

    [Test]
    public async Task A_step_header_name_holding_a_token_is_not_echoed_in_errors()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        var secret = Samples.Canary("token");
        ((JsonObject)rule["steps"]![0]!)["headers"] = new JsonObject { ["Authorization: Bearer " + secret] = "x" };
        using var response = await SendRawAsync(HttpMethod.Post, "/api/rules/validate", tenant, rule.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        await AssertInvalidNamingAsync(response, "steps[0].headers.(property)");
        Assert.That(text, Does.Not.Contain(secret), "the error must not repeat the submitted name (it held a token)");
    }

    [TestCase("http", "headers")]
    [TestCase("http", "query")]
    [TestCase("jira.edit", "fields")]
    [TestCase("jira.edit", "update")]
    public async Task A_huge_property_name_is_not_echoed_whole_in_errors(string type, string member)
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        var name = "x-" + new string('z', 20_000) + ":";
        JsonNode value = member == "update" ? new JsonArray(new JsonObject { ["add"] = "x" }) : "x";
        rule["steps"] = type == "http"
            ? new JsonArray(new JsonObject { ["id"] = "s", ["type"] = "http", ["connection"] = rule["steps"]![0]!["connection"]!.GetValue<string>(), ["path"] = "/x", [member] = new JsonObject { [name] = value } })
            : new JsonArray(new JsonObject { ["id"] = "s", ["type"] = type, [member] = new JsonObject { [name] = value } });
        using var response = await SendRawAsync(HttpMethod.Post, "/api/rules/validate", tenant, rule.ToJsonString());
        var text = await response.Content.ReadAsStringAsync();
        await AssertInvalidNamingAsync(response, $"steps[0].{member}.(property)");
        Assert.That(text.Length, Is.LessThan(4_000), "a 20,000-character property name came back whole");
    }

    // ---- Time zones: IANA ids only, never a file of the host (localtime, posixrules, ...) ----

    [TestCase("localtime")]
    [TestCase("posixrules")]
    [TestCase("Factory")]
    [TestCase("right/UTC")]
    [TestCase("posix/Europe/Berlin")]
    public async Task A_host_dependent_time_zone_name_is_refused_by_the_next_runs_route(string zone)
    {
        var tenant = Samples.NewTenant();
        using var response = await SendRawAsync(HttpMethod.Get, $"/api/schedules/next?cron={Uri.EscapeDataString("0 9 * * *")}&timeZone={Uri.EscapeDataString(zone)}", tenant, null);
        await AssertInvalidNamingAsync(response, "trigger.schedule.timeZone");
    }

    [TestCase("UTC")]
    [TestCase("Etc/GMT+5")]
    [TestCase("America/New_York")]
    public async Task An_iana_time_zone_id_is_accepted_by_the_next_runs_route(string zone)
    {
        var tenant = Samples.NewTenant();
        using var response = await SendRawAsync(HttpMethod.Get, $"/api/schedules/next?cron={Uri.EscapeDataString("0 9 * * *")}&timeZone={Uri.EscapeDataString(zone)}", tenant, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        Assert.That(JsonNode.Parse(text)!["next"]!.AsArray(), Is.Not.Empty);
    }

    [Test]
    public async Task A_rule_whose_schedule_names_the_host_local_time_zone_is_not_saved()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["trigger"] = new JsonObject { ["type"] = "schedule", ["schedule"] = new JsonObject { ["cron"] = "0 9 * * *", ["timeZone"] = "localtime" } };
        using var response = await SendRawAsync(HttpMethod.Post, "/api/rules", tenant, rule.ToJsonString());
        await AssertInvalidNamingAsync(response, "trigger.schedule.timeZone");
    }

    // ---- Names and reasons people read: no control or text-direction characters ----

    [TestCase("/api/rules", "Deploy\u0000\nhook")]
    [TestCase("/api/rules", "Deploy \u202ekooh")]
    [TestCase("/api/connections", "Deploy\u0000\nhook")]
    [TestCase("/api/connections", "Deploy \u2066hook")]
    [TestCase("/api/webhooks", "Deploy \u202ekooh")]
    public async Task A_name_with_control_or_bidi_characters_is_refused(string path, string name)
    {
        var tenant = Samples.NewTenant();
        var body = path switch
        {
            "/api/rules" => Samples.Rule(await CreateConnectionAsync(tenant)),
            "/api/connections" => Samples.Connection(ThirdParty.Address, "s3cret"),
            _ => new JsonObject(),
        };
        body["name"] = name;
        using var response = await SendRawAsync(HttpMethod.Post, path, tenant, body.ToJsonString());
        await AssertInvalidNamingAsync(response, "name");
    }

    [TestCase("ticket 42\u0000evil")]
    [TestCase("ticket 42\u202elive")]
    public async Task A_support_grant_reason_with_control_or_bidi_characters_is_refused(string reason)
    {
        var tenant = Samples.NewTenant();
        var body = new JsonObject { ["hours"] = 1, ["reason"] = reason };
        using var response = await SendRawAsync(HttpMethod.Post, "/api/support/grants", tenant, body.ToJsonString());
        await AssertInvalidNamingAsync(response, "reason");
    }

    // ---- A Jira issue whose "comment" field is not an object: an unexpected Jira answer (502), not a 500 ----

    [TestCase("\"no comments\"")]
    [TestCase("[]")]
    [TestCase("5")]
    [TestCase("{\"comments\":\"none\"}")]
    public async Task A_sample_event_from_an_issue_whose_comment_field_is_odd_is_a_502(string comment)
    {
        var tenant = Samples.NewTenant();
        Backend.Jira.UserIssues["ODD-7"] = new JsonObject
        {
            ["id"] = "10007",
            ["key"] = "ODD-7",
            ["fields"] = new JsonObject { ["summary"] = "x", ["comment"] = JsonNode.Parse(comment) },
        };
        using var response = await SendRawAsync(HttpMethod.Get, "/api/issues/ODD-7/sample-event?eventType=avi:jira:commented:issue", tenant, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(502), text);
        Assert.That(JsonNode.Parse(text)!["title"]!.GetValue<string>(), Is.EqualTo("Unexpected answer from Jira"));
    }

    // ---- preUninstall with an empty body of unknown length uninstalls like Content-Length: 0 ----

    private async Task<string> RawHttpAsync(string head, string body)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(Backend.Address.Host, Backend.Address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + "Connection: close\r\n\r\n" + body));
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [TestCase("", "")]
    [TestCase("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")]
    [TestCase("Transfer-Encoding: chunked\r\n", "0\r\n\r\n")]
    public async Task PreUninstall_with_an_empty_body_of_unknown_length_still_uninstalls(string headers, string body)
    {
        var tenant = Samples.NewTenant();
        await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "hook" }, 201);
        Assert.That((await Backend.DumpStoreAsync()).Count(l => l.Contains(tenant, StringComparison.Ordinal)), Is.GreaterThan(0));

        var answer = await RawHttpAsync(
            "POST /forge/uninstall HTTP/1.1\r\n" + $"Host: {Backend.Address.Authority}\r\n"
            + $"Authorization: Bearer {Issuer.MintFor("/forge/uninstall", tenant)}\r\n" + headers, body);

        Assert.That(answer, Does.StartWith("HTTP/1.1 200"), answer);
        Assert.That((await Backend.DumpStoreAsync()).Count(l => l.Contains(tenant, StringComparison.Ordinal)), Is.Zero, "the tenant's items are deleted");
    }

    [Test]
    public async Task PreUninstall_with_a_body_that_is_not_json_is_still_refused()
    {
        var tenant = Samples.NewTenant();
        var answer = await RawHttpAsync(
            "POST /forge/uninstall HTTP/1.1\r\n" + $"Host: {Backend.Address.Authority}\r\n"
            + $"Authorization: Bearer {Issuer.MintFor("/forge/uninstall", tenant)}\r\n" + "Content-Type: text/plain\r\nContent-Length: 5\r\n", "hello");
        Assert.That(answer, Does.StartWith("HTTP/1.1 415"), answer);
    }

    [TestCase("null")]
    [TestCase(" null\r\n")]
    [TestCase("[]")]
    [TestCase("\"x\"")]
    [TestCase("0")]
    public async Task PreUninstall_with_a_body_that_is_json_but_not_an_object_is_refused_and_deletes_nothing(string body)
    {
        // "null" parsed to no node and was taken for an empty body: the tenant was uninstalled (docs/api.md: a
        // non-empty body must be a JSON object).
        var tenant = Samples.NewTenant();
        await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "hook" }, 201);
        var before = (await Backend.DumpStoreAsync()).Count(l => l.Contains(tenant, StringComparison.Ordinal));

        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync(
            "POST /forge/uninstall HTTP/1.1\r\n" + $"Host: {Backend.Address.Authority}\r\n"
            + $"Authorization: Bearer {Issuer.MintFor("/forge/uninstall", tenant)}\r\n"
            + $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n" + body);
        var answer = await raw.ReadAsync();

        Assert.That(answer?.Status, Is.EqualTo(400), answer?.Body);
        var problem = JsonNode.Parse(answer!.Body)!;
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(400), answer.Body);
        Assert.That(problem["errors"]!["$"], Is.Not.Null, answer.Body);
        Assert.That((await Backend.DumpStoreAsync()).Count(l => l.Contains(tenant, StringComparison.Ordinal)), Is.EqualTo(before), "nothing of the tenant is deleted");
    }

    // ---- A webhook envelope's timestamp must be a string or a number ----

    [TestCase("true")]
    [TestCase("false")]
    [TestCase("{}")]
    public async Task A_webhook_timestamp_of_another_kind_is_400_naming_it(string value)
    {
        var tenant = Samples.NewTenant();
        var hookId = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "ts" }, 201))["id"]!.GetValue<string>();
        using var response = await SendRawAsync(
            HttpMethod.Post, "/forge/webhook", tenant,
            $"{{\"hookId\":\"{hookId}\",\"signature\":\"sha256={new string('0', 64)}\",\"timestamp\":{value},\"body\":\"{{}}\"}}");
        await AssertInvalidNamingAsync(response, "timestamp");
    }

    // ---- The run log's from/to at the edges of DateTimeOffset: a page, never a 500 ----

    [TestCase("to=9999-12-31T23:59:59.9999999Z")]
    [TestCase("to=9999-12-31T23:59:59.9995Z")]
    [TestCase("from=2020-01-01T00:00:00Z&to=9999-12-31T23:59:59.9999999Z")]
    [TestCase("from=0001-01-01T00:00:00Z")]
    [TestCase("from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.9999999Z")]
    [TestCase("to=2300-01-01T00:00:00Z")]
    public async Task The_run_log_with_times_at_the_edges_lists_the_runs(string query)
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        using (var evt = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-901", "edge")))
        {
            Assert.That(evt.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count > 0);
        using var response = await SendRawAsync(HttpMethod.Get, "/api/runs?" + query, tenant, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        Assert.That(JsonNode.Parse(text)!["items"]!.AsArray(), Has.Count.EqualTo(1), "the run lies inside the range");
    }

    [TestCase("from=9999-12-31T23:59:59.9999999Z")]
    [TestCase("to=0001-01-01T00:00:00Z")]
    public async Task The_run_log_with_a_range_outside_every_run_is_an_empty_page(string query)
    {
        var tenant = Samples.NewTenant();
        using var response = await SendRawAsync(HttpMethod.Get, "/api/runs?" + query, tenant, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
        Assert.That(JsonNode.Parse(text)!["items"]!.AsArray(), Is.Empty, text);
    }
}

/// <summary>The end-of-time <c>to</c> on the support staff's run log (SupportRunQuery → RunStore.ListAsync).</summary>
public sealed class InputEdgeCaseSupportTests : BluBees.Api.Tests.Support.SupportFixture
{
    [TestCase("?to=9999-12-31T23:59:59.9999999Z")]
    [TestCase("?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.9999999Z")]
    public async Task The_support_run_log_with_to_at_the_end_of_time_is_a_page(string query)
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var response = await SupportGetAsync(RunsPath(tenant, query));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), text);
    }

    [TestCase("?cursor=&cursor=", "cursor")]
    [TestCase("?limit=&limit=", "limit")]
    [TestCase("?status=&STATUS=", "status")]
    public async Task The_support_run_log_refuses_a_parameter_given_twice_naming_it(string query, string field)
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        using var response = await SupportGetAsync(RunsPath(tenant, query));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(400), text);
        Assert.That(JsonNode.Parse(text)!["errors"]![field], Is.Not.Null, text);
    }
}
