using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>Bad input gets a precise 4xx ProblemDetails naming the field — never a 500 or a hang.</summary>
public sealed class BadInputTests : BackendFixture
{
    [Test]
    public async Task Malformed_json_is_400_with_position()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", Samples.NewTenant(), "{\"name\": \"x\",\n  \"trigger\": {oops}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!.ToJsonString(), Does.Contain("malformed JSON at line 2"));
    }

    [Test]
    public async Task Malformed_event_json_is_400()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", Samples.NewTenant(), "{\"eventType\": ");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await ProblemAsync(response);
    }

    [Test]
    public async Task An_event_without_event_type_is_400_naming_the_field()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", Samples.NewTenant(), new JsonObject { ["issue"] = new JsonObject() });
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["eventType"], Is.Not.Null);
    }

    [Test]
    public async Task A_wrong_type_is_400_naming_the_field_and_the_expected_type()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["steps"]![0]!["timeoutSeconds"] = "ten";
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["steps[0].timeoutSeconds"]![0]!.GetValue<string>(), Is.EqualTo("has the wrong type: expected a whole number"));
    }

    [Test]
    public async Task An_unknown_property_is_400_naming_it()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["steps"]![0]!["retries"] = 3;
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["steps[0].retries"]![0]!.GetValue<string>(), Is.EqualTo("unknown property 'retries'"));
    }

    [Test]
    public async Task An_oversized_body_is_413()
    {
        var big = new JsonObject { ["eventType"] = "avi:jira:created:issue", ["pad"] = new string('x', 2 * 1024 * 1024) };
        using var response = await Backend.SendAsync(HttpMethod.Post, "/forge/events", Samples.NewTenant(), big);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await ProblemAsync(response);
    }

    [Test]
    public async Task The_event_cap_is_256_KiB()
    {
        // docs/api.md: "/forge/events takes up to 256 KiB". Just under passes the size check; just over is a 413.
        static JsonObject Padded(int bodyBytes)
        {
            var evt = Samples.Event("OPS-1", "sized");
            evt["pad"] = string.Empty;
            var overhead = System.Text.Encoding.UTF8.GetByteCount(evt.ToJsonString());
            evt["pad"] = new string('x', bodyBytes - overhead);
            return evt;
        }

        var tenant = Samples.NewTenant();
        using var under = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Padded((256 * 1024) - 16));
        using var over = await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Padded((256 * 1024) + 16));
        Assert.That(under.StatusCode, Is.Not.EqualTo(HttpStatusCode.RequestEntityTooLarge), await under.Content.ReadAsStringAsync());
        Assert.That((int)under.StatusCode, Is.LessThan(300), await under.Content.ReadAsStringAsync());
        Assert.That(over.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await ProblemAsync(over);
    }

    [Test]
    public async Task The_dry_run_cap_is_500_KiB()
    {
        // docs/api.md: dry runs take up to 500 KiB (512 000 bytes). Just under passes the size check; just over is a 413.
        static string Body(int bytes)
        {
            const string head = "{\"event\":{\"pad\":\"", tail = "\"}}";
            return head + new string('x', bytes - head.Length - tail.Length) + tail;
        }

        var tenant = Samples.NewTenant();
        using var under = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, Body(512_000 - 16));
        Assert.That(under.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "read and validated (no rule), not refused for its size");
        using var over = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, Body(512_000 + 16));
        Assert.That(over.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await ProblemAsync(over);
    }

    [Test]
    public async Task A_refused_oversized_body_closes_its_connection_and_the_next_request_on_the_client_is_answered()
    {
        // The body is refused unread, so the server cannot keep the connection (the rest of the body is still on
        // it): it says so (Connection: close) instead of closing a connection the client has already pooled. Without
        // that, the client's next request raced the close and failed while sending (CI run of stop 25).
        var tenant = Samples.NewTenant();
        var bodies = new (string Name, object Body)[]
        {
            ("above the server's limit, with a length", "{\"name\":\"" + new string('x', 600 * 1024) + "\"}"),
            ("above the rule cap only, with a length", "{\"name\":\"" + new string('x', 100 * 1024) + "\"}"),
            ("above the server's limit, chunked", new JsonObject { ["name"] = new string('x', 600 * 1024) }),
        };
        for (var round = 0; round < 10; round++)
        {
            foreach (var (name, body) in bodies)
            {
                using (var refused = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, body))
                {
                    Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), name);
                    Assert.That(refused.Headers.ConnectionClose, Is.True, name);
                    await ProblemAsync(refused);
                }

                using var next = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant);
                Assert.That(next.StatusCode, Is.EqualTo(HttpStatusCode.OK), name);
            }
        }
    }

    [Test]
    public async Task A_dry_run_between_the_event_cap_and_its_own_500_KB_cap_is_read()
    {
        // 400 KB: above the 256 KiB event cap (once the server-wide limit), below the dry run's documented 500 KB.
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        var body = new JsonObject
        {
            ["rule"] = rule,
            ["event"] = new JsonObject { ["eventType"] = "avi:jira:created:issue", ["issue"] = new JsonObject { ["key"] = "OPS-1", ["fields"] = new JsonObject { ["description"] = new string('d', 400 * 1024) } } },
        };
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

        body["event"]!["issue"]!["fields"]!["description"] = new string('d', 520 * 1024);
        using var over = await Backend.SendAsync(HttpMethod.Post, "/api/rules/dry-run", tenant, body);
        Assert.That(over.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await ProblemAsync(over);
    }

    [Test]
    public async Task A_huge_value_is_never_echoed_whole_and_a_bad_id_never_echoed()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["trigger"] = new JsonObject { ["type"] = new string('t', 60_000) + "\r\nX-Injected: 1" };
        using (var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules/validate", tenant, rule))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
            Assert.That(text.Length, Is.LessThan(4_000), "a short excerpt, not the 60 KB value");
            Assert.That((await ProblemAsync(response))["errors"]!["trigger.type"]![0]!.GetValue<string>(), Does.Contain("…").And.Not.Contain("\n"));
        }

        foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/rules/ZQXMARK%20%0d%0aX-Injected:%201/enable"), (HttpMethod.Put, "/api/connections/ZQXMARK%0d%0a") })
        {
            using var response = await Backend.SendAsync(method, path, tenant, method == HttpMethod.Put ? Samples.Connection(ThirdParty.Address, "s") : null);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), text);
            Assert.That(text, Does.Not.Contain("ZQXMARK").And.Contain("(invalid id)"));
        }
    }

    [Test]
    public async Task A_body_shorter_than_its_content_length_is_a_408_problem_titled_so()
    {
        // A raw request: HttpClient will not send a body shorter than its own Content-Length.
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(Backend.Address.Host, Backend.Address.Port);
        var stream = socket.GetStream();
        var head = "POST /api/rules HTTP/1.1\r\n"
            + $"Host: {Backend.Address.Authority}\r\n"
            + $"Authorization: Bearer {Issuer.Mint(Samples.NewTenant())}\r\n"
            + $"{FakeJira.UserTokenHeader}: {Backend.Jira.IssueUserToken("557058:admin")}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(answer, Does.StartWith("HTTP/1.1 408"));
        Assert.That(answer, Does.Contain("\"title\":\"Request timeout\"").And.Contain("\"status\":408"));
    }

    [Test]
    public async Task An_oversized_rule_is_413()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["name"] = new string('n', 70 * 1024);
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task A_body_that_is_not_json_is_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/rules") { Content = new StringContent("name=x") };
        request.Headers.Authorization = new("Bearer", Issuer.Mint(Samples.NewTenant()));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.IssueUserToken("557058:admin"));
        using var response = await Backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        await ProblemAsync(response);
    }

    [Test]
    public async Task A_rule_naming_an_unknown_connection_is_400()
    {
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", Samples.NewTenant(), Samples.Rule("conn_doesnotexist0000000"));
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["steps[0].connection"]![0]!.GetValue<string>(), Does.Contain("does not exist"));
    }

    [TestCase("/x/{{ issue.key | nosuchfilter }}", "unknown filter")]
    [TestCase("/x/{{ issue.key ", "line 1")]
    [TestCase("/x/{% if issue %}", "line 1")]
    [TestCase("/x/{% include 'secrets' %}", "include")]
    public async Task A_hostile_or_broken_template_is_400_at_its_field(string path, string expected)
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["steps"]![0]!["path"] = path;
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["steps[0].path"]!.ToJsonString(), Does.Contain(expected));
    }

    [Test]
    public async Task A_backtracking_regex_is_400()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        rule["conditions"] = new JsonObject { ["all"] = new JsonArray(new JsonObject { ["field"] = "issue.key", ["op"] = "matches", ["value"] = "(a)\\1" }) };
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["conditions.all[0].value"], Is.Not.Null);
    }

    [Test]
    public async Task Too_many_steps_is_400()
    {
        var tenant = Samples.NewTenant();
        var rule = Samples.Rule(await CreateConnectionAsync(tenant));
        var step = rule["steps"]![0]!;
        var steps = new JsonArray();
        for (var i = 0; i < 21; i++)
        {
            var copy = step.DeepClone();
            copy["id"] = "s" + i;
            steps.Add(copy);
        }

        rule["steps"] = steps;
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, rule);
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!["steps"]![0]!.GetValue<string>(), Does.Contain("at most 20 steps"));
    }

    [TestCase("ftp://example.com/x", "Scheme 'ftp' is not allowed")]
    [TestCase("not a url", "")]
    public async Task A_bad_connection_url_is_400(string url, string expected)
    {
        var connection = Samples.Connection(ThirdParty.Address, "t0ken");
        connection["baseUrl"] = url;
        using var response = await Backend.SendAsync(HttpMethod.Post, "/api/connections", Samples.NewTenant(), connection);
        var problem = await ProblemAsync(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(problem["errors"]!["baseUrl"]![0]!.GetValue<string>(), Does.Contain(expected));
    }

    [Test]
    public async Task Unknown_ids_are_404_problem_details()
    {
        var tenant = Samples.NewTenant();
        foreach (var path in new[] { "/api/rules/rule_nope", "/api/connections/conn_nope", "/api/runs/0000000000000-nope", "/api/rules/rule_nope/versions/1", "/api/rules/..%2f..%2fetc" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path, tenant);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
            await ProblemAsync(response);
        }
    }

    [TestCase("limit=0")]
    [TestCase("limit=abc")]
    [TestCase("status=exploded")]
    [TestCase("from=yesterday")]
    [TestCase("ruleId=../../x")]
    public async Task Bad_run_filters_are_400(string query)
    {
        using var response = await Backend.SendAsync(HttpMethod.Get, "/api/runs?" + query, Samples.NewTenant());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var problem = await ProblemAsync(response);
        Assert.That(problem["errors"]!.AsObject().Single().Key, Is.EqualTo(query.Split('=')[0]));
    }
}
