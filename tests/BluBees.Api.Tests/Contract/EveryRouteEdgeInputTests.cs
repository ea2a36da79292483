using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// Edge inputs sent to every route the running app maps (read from its own endpoint table, so a route added later is
/// attacked too): JSON edge forms of the body (a BOM before a valid body, trailing garbage, raw NUL, odd charsets, a
/// root of another kind, 1,000 and 100,000 levels deep, a 10 MB body with and without a length, a compressed body, no
/// Content-Type), every method a route does not take, unknown routes below each one, and path values that are too long,
/// hold a slash, a dot segment, whitespace or non-ASCII. Each answer is below 500 and, when a 4xx, an RFC 7807
/// ProblemDetails sent as JSON whose <c>status</c> is the HTTP status, with a <c>type</c> and a <c>title</c>; a canary
/// in the body never comes back.
/// </summary>
public sealed class EveryRouteEdgeInputTests : BackendFixture
{
    private string _tenant = null!;
    private string _connection = null!;
    private string _ruleId = null!;
    private string _hookId = null!;
    private JsonNode _document = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _connection = await CreateConnectionAsync(_tenant);
        _ruleId = (await CreateRuleAsync(_tenant, Samples.Rule(_connection)))["id"]!.GetValue<string>();
        _hookId = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", _tenant, new JsonObject { ["name"] = "edge" }, 201))["id"]!.GetValue<string>();
        await FindBodyReadersAsync();
        _document = JsonNode.Parse(await Backend.Client.GetStringAsync(BluBees.Api.Infrastructure.OpenApiSetup.DocumentPath))!;
    }

    /// <summary>Every route of the app a Forge caller reaches ("METHOD /path/{param}"), from its endpoint table.</summary>
    private List<(string Method, string Template)> Routes()
    {
        var routes = new List<(string, string)>();
        foreach (var endpoint in Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            // Support staff routes take a staff token, the dev routes are off here: both have batteries of their own.
            if (template.StartsWith("/support/", StringComparison.Ordinal) || template.StartsWith("/dev/", StringComparison.Ordinal) || template is "/health" or "/ready")
            {
                continue;
            }

            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                routes.Add((method, template.TrimEnd('/') is { Length: > 0 } t ? t : "/"));
            }
        }

        return routes.Distinct().OrderBy(r => r.Item2, StringComparer.Ordinal).ThenBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    private string Fill(string template) => System.Text.RegularExpressions.Regex.Replace(template, "\\{([^}:]+)(:[^}]*)?\\}", m => m.Groups[1].Value switch
    {
        "key" => "OPS-1",
        "version" => "1",
        "id" when template.StartsWith("/api/connections", StringComparison.Ordinal) => _connection,
        "id" when template.StartsWith("/api/webhooks", StringComparison.Ordinal) => _hookId,
        "id" when template.StartsWith("/api/support/grants", StringComparison.Ordinal) => "grant_0000000000000000",
        "id" when template.StartsWith("/api/runs", StringComparison.Ordinal) => "run_0000000000000000",
        _ => _ruleId,
    });

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static bool Matches(string template, string path)
        => System.Text.RegularExpressions.Regex.IsMatch(path, "^" + System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]+\\}", "[^/]+") + "$");

    private static readonly string Canary = Samples.Canary("body");

    /// <summary>(name, body bytes, content type, content encoding); the ones no route that reads a body may accept are in <see cref="NeverAccepted"/>.</summary>
    private static readonly (string Name, Func<byte[]> Body, string? ContentType, string? Encoding)[] Bodies =
    [
        ("BOM before an object", () => [0xEF, 0xBB, 0xBF, .. Utf8("{\"name\":\"" + Canary + "\"}")], "application/json", null),
        ("trailing garbage", () => Utf8("{\"name\":\"" + Canary + "\"} " + Canary), "application/json", null),
        ("trailing NUL", () => [.. Utf8("{\"name\":\"" + Canary + "\"}"), 0x00], "application/json", null),
        ("raw NUL in a string", () => [.. Utf8("{\"name\":\"" + Canary), 0x00, .. Utf8("\"}")], "application/json", null),
        ("escaped NUL in a string", () => Utf8("{\"name\":\"" + Canary + "\\u0000\"}"), "application/json", null),
        ("lone surrogate", () => Utf8("{\"name\":\"" + Canary + "\\ud800\",\"eventType\":\"\\udfff\"}"), "application/json", null),
        ("duplicate keys", () => Utf8("{\"eventType\":\"a\",\"eventType\":\"" + Canary + "\",\"name\":\"a\",\"name\":\"b\"}"), "application/json", null),
        ("numbers at the edges", () => Utf8("{\"hours\":1e309,\"timestamp\":9223372036854775808,\"issueKey\":-0,\"limit\":1.0,\"x\":-1e309}"), "application/json", null),
        ("array root", () => Utf8("[\"" + Canary + "\"]"), "application/json", null),
        ("string root", () => Utf8("\"" + Canary + "\""), "application/json", null),
        ("null root", () => Utf8("null"), "application/json", null),
        ("true root", () => Utf8("true"), "application/json", null),
        ("1,000 deep arrays", () => Utf8("{\"a\":" + new string('[', 1000) + new string(']', 1000) + "}"), "application/json", null),
        ("1,000 deep objects", () => Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000)), "application/json", null),
        ("100,000 deep, unclosed", () => Utf8("{\"a\":" + new string('[', 100_000)), "application/json", null),
        ("UTF-16 charset", () => Encoding.Unicode.GetBytes("{\"name\":\"" + Canary + "\"}"), "application/json; charset=utf-16", null),
        ("UTF-16 bytes, no charset", () => Encoding.Unicode.GetBytes("{\"name\":\"" + Canary + "\"}"), "application/json", null),
        ("latin1 charset", () => Encoding.Latin1.GetBytes("{\"name\":\"caf\u00e9 " + Canary + "\"}"), "application/json; charset=iso-8859-1", null),
        ("odd charset", () => Utf8("{\"name\":\"" + Canary + "\"}"), "application/json; charset=nonsense", null),
        ("no content type", () => Utf8("{\"name\":\"" + Canary + "\"}"), null, null),
        ("gzip", () => Gzip("{\"name\":\"" + Canary + "\"}"), "application/json", "gzip"),
        ("10 MB", () => Utf8("{\"name\":\"" + new string('x', 10 * 1024 * 1024) + "\"}"), "application/json", null),
    ];

    /// <summary>Not a JSON object (docs/api.md, Errors: "a root that is not an object"), or not JSON at all: a route that reads a body refuses them.</summary>
    private static readonly HashSet<string> NeverAccepted = new(StringComparer.Ordinal)
    {
        "trailing garbage", "trailing NUL", "raw NUL in a string", "lone surrogate", "duplicate keys", "array root", "string root", "null root", "true root",
        "1,000 deep arrays", "1,000 deep objects", "100,000 deep, unclosed", "UTF-16 charset", "UTF-16 bytes, no charset", "latin1 charset", "no content type", "gzip", "10 MB",
    };

    /// <summary>The routes that read a JSON body: those that refuse one sent as text/plain with a 415.</summary>
    private readonly HashSet<string> _readsBody = new(StringComparer.Ordinal);

    private async Task FindBodyReadersAsync()
    {
        foreach (var (method, template) in Routes().Where(r => r.Method is "POST" or "PUT"))
        {
            var path = Fill(template);
            using var request = Request(new HttpMethod(method), path, template == "/forge/uninstall" ? Samples.NewTenant() : _tenant);
            request.Content = new StringContent("{\"a\":1}", Encoding.UTF8, "text/plain");
            using var response = await Backend.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.UnsupportedMediaType)
            {
                _readsBody.Add(method + " " + template);
            }
        }

        Assert.That(_readsBody, Has.Member("POST /forge/uninstall").And.Member("POST /api/rules").And.Member("POST /forge/events"), "the probe finds the routes that read a body");
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            zip.Write(Utf8(text));
        }

        return buffer.ToArray();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string? tenant = null)
    {
        var request = new HttpRequestMessage(method, path);
        var token = Issuer.Mint(TestIssuer.ForRoute(path.Split('?')[0], tenant ?? _tenant));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        }

        return request;
    }

    private static IEnumerable<TestCaseData> BodyCases() => Bodies.Select((b, i) => new TestCaseData(i, false).SetName("body: " + b.Name))
        .Append(new TestCaseData(Array.FindIndex(Bodies, b => b.Name == "10 MB"), true).SetName("body: 10 MB, chunked"));

    [TestCaseSource(nameof(BodyCases))]
    public async Task An_edge_form_of_the_body_is_a_4xx_problem_on_every_route_that_takes_one(int index, bool chunked)
    {
        var (name, make, contentType, encoding) = Bodies[index];
        var bytes = make();
        var failures = new List<string>();
        foreach (var (method, template) in Routes().Where(r => r.Method is "POST" or "PUT"))
        {
            // An uninstall that is accepted deletes its tenant: each goes to a tenant of its own.
            var tenant = template == "/forge/uninstall" ? Samples.NewTenant() : _tenant;
            var path = Fill(template);
            using var request = Request(new HttpMethod(method), path, tenant);
            request.Content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }

            if (contentType is not null)
            {
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            }

            if (encoding is not null)
            {
                request.Content.Headers.ContentEncoding.Add(encoding);
            }

            if (bytes.Length > 1024 * 1024)
            {
                // HttpClient gives up on the answer once the server stops reading: a raw connection reads the 413.
                var answer = await SendLargeAsync(request, bytes, chunked);
                var refuse = _readsBody.Contains(method + " " + template);
                var wrong = answer is null ? "no answer" : answer.Status >= 500 ? $"{answer.Status}" : answer.Status < 400 ? (refuse ? $"{answer.Status}: accepted" : null)
                    : answer.Header("content-type")?.StartsWith("application/json", StringComparison.Ordinal) != true ? $"{answer.Status} with content type {answer.Header("content-type")}"
                    : JsonNode.Parse(answer.Body)?["status"]?.GetValue<int>() != answer.Status ? $"{answer.Status} is not a ProblemDetails: {Cut(answer.Body)}" : null;
                if (wrong is not null)
                {
                    failures.Add($"{method} {template}: {wrong}");
                }

                continue;
            }

            HttpResponseMessage response;
            try
            {
                response = await Backend.Client.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException)
            {
                failures.Add($"{method} {template}: no answer ({e.GetType().Name}: {e.Message})");
                continue;
            }

            using (response)
            {
                var problem = await CheckAsync(response);
                if (problem is null && (int)response.StatusCode < 400 && NeverAccepted.Contains(name) && _readsBody.Contains(method + " " + template))
                {
                    problem = $"{(int)response.StatusCode}: accepted {Cut(await response.Content.ReadAsStringAsync())}";
                }

                if (problem is not null)
                {
                    failures.Add($"{method} {template}: {problem}");
                }
            }
        }

        using var health = await Backend.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the app still answers");
        Assert.That(failures, Is.Empty, name + ":\n" + string.Join("\n", failures));
    }

    /// <summary>A valid value for each query parameter the document names (a parameter added later needs one here: the test says so).</summary>
    private string ValidQueryValue(string name) => name switch
    {
        "limit" => "5", "count" => "3", "cursor" => "", "ruleId" => _ruleId, "status" => "succeeded",
        "from" when true => "2026-01-01T00:00:00Z", "to" => "2026-01-02T00:00:00Z", "cron" => "0 8 * * 1-5", "timeZone" => "UTC",
        "eventType" => "avi:jira:updated:issue", "field" => "status",
        _ => throw new AssertionException($"no valid value known for the query parameter '{name}' (add one)"),
    };

    private static readonly string[] QueryJunk = ["", "-1", "0", "99999999999999999999", "%00", "%FF", "%ED%A0%80", "%E2%80%AE1", "1e3", "5.0", "x", "%20", new string('q', 3000)];

    [Test]
    public async Task Every_query_parameter_the_document_names_repeated_empty_or_out_of_range_is_a_4xx_naming_it()
    {
        var failures = new List<string>();
        var tried = 0;
        foreach (var (template, item) in _document["paths"]!.AsObject())
        {
            var parameters = item!["get"]?["parameters"]?.AsArray().Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>()).ToList() ?? [];
            // The sample event's from/to belong to a field change: sent with eventType and field, as the route reads them.
            var path = Fill(template);
            foreach (var parameter in parameters)
            {
                var others = string.Join("&", parameters.Where(p => p != parameter && p is "cron" or "eventType" or "field" && !(parameter == "eventType" && p == "field"))
                    .Select(p => p + "=" + Uri.EscapeDataString(ValidQueryValue(p))));
                var valid = Uri.EscapeDataString(ValidQueryValue(parameter));
                var cases = QueryJunk.Select(j => (Query: parameter + "=" + j, Refuse: false))
                    .Append((Query: $"{parameter}={valid}&{parameter}={valid}", Refuse: true))
                    .Append((Query: $"{parameter}=x&{parameter}=", Refuse: true));
                foreach (var (query, refuse) in cases)
                {
                    tried++;
                    var target = path + "?" + (others.Length > 0 ? others + "&" : string.Empty) + query;
                    using var response = await Backend.Client.SendAsync(Request(HttpMethod.Get, target));
                    var status = (int)response.StatusCode;
                    var text = await response.Content.ReadAsStringAsync();
                    var problem = await CheckAsync(response);
                    if (problem is null && status == 400)
                    {
                        var keys = JsonNode.Parse(text)!["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
                        if (!keys.Contains(parameter) && !keys.Contains("trigger.schedule." + parameter))
                        {
                            problem = $"400 naming {string.Join(", ", keys)}, not {parameter}: {Cut(text)}";
                        }
                    }

                    if (problem is null && refuse && status < 400)
                    {
                        problem = $"{status} for a repeated parameter";
                    }

                    if (problem is null && status >= 400 && _document["paths"]![template]!["get"]!["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] is null)
                    {
                        problem = $"{status}, which docs/openapi.json does not state";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"GET {template} ?{(query.Length > 50 ? query[..50] + "…" : query)}: {problem}");
                    }
                }
            }
        }

        Assert.That(tried, Is.GreaterThan(50));
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private async Task<RawAnswer?> SendLargeAsync(HttpRequestMessage request, byte[] bytes, bool chunked)
    {
        var head = new StringBuilder($"{request.Method} {request.RequestUri} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n");
        foreach (var header in request.Headers.Where(h => h.Key != "Transfer-Encoding").Concat(request.Content!.Headers))
        {
            head.Append(header.Key).Append(": ").Append(string.Join(", ", header.Value)).Append("\r\n");
        }

        head.Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {bytes.Length}\r\n").Append("\r\n");
        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync(Encoding.ASCII.GetBytes(head.ToString()));
        var body = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < bytes.Length; i += 64 * 1024)
                {
                    var part = bytes.AsMemory(i, Math.Min(64 * 1024, bytes.Length - i)).ToArray();
                    await raw.SendAsync(chunked ? [.. Encoding.ASCII.GetBytes($"{part.Length:x}\r\n"), .. part, .. "\r\n"u8.ToArray()] : part);
                }

                if (chunked)
                {
                    await raw.SendAsync("0\r\n\r\n"u8.ToArray());
                }
            }
            catch (IOException)
            {
                // The server answered and closed before the whole body was sent: the answer is read below.
            }
        });
        var answer = await raw.ReadAsync(timeout: TimeSpan.FromSeconds(60));
        await body.WaitAsync(TimeSpan.FromSeconds(60));
        return answer;
    }

    [TestCase("arrays", 65)]
    [TestCase("objects", 65)]
    [TestCase("arrays", 1000)]
    public async Task Nesting_past_the_limit_is_a_400_that_says_so_on_every_route_that_reads_a_body(string kind, int depth)
    {
        // It said "malformed JSON at line 1, position 69" of a well-formed document (docs/api.md: "nesting deeper than 64").
        var body = kind == "arrays"
            ? "{\"a\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}"
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        var failures = new List<string>();
        foreach (var route in _readsBody.Order(StringComparer.Ordinal))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : _tenant);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var messages = (int)response.StatusCode == 400 ? JsonNode.Parse(text)!["errors"]?.AsObject().SelectMany(e => e.Value!.AsArray().Select(m => m!.GetValue<string>())).ToList() ?? [] : [];
            if ((int)response.StatusCode == 413 && Encoding.UTF8.GetByteCount(body) > 4096)
            {
                continue;
            }

            if (!messages.Any(m => m.StartsWith("is nested deeper than 64 levels", StringComparison.Ordinal)))
            {
                failures.Add($"{route}: {(int)response.StatusCode} {Cut(text)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public async Task A_body_that_starts_with_a_byte_order_mark_is_a_400_that_says_so_on_every_route_that_reads_a_body()
    {
        // It said "malformed JSON at line 1, position 1": true of the bytes, but not why (RFC 8259 §8.1: senders must not add one).
        var failures = new List<string>();
        foreach (var route in _readsBody.Order(StringComparer.Ordinal))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : _tenant);
            request.Content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Utf8("{\"name\":\"x\"}")]);
            request.Content.Headers.ContentType = new("application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var said = (int)response.StatusCode == 400 ? JsonNode.Parse(text)!["errors"]?["$"]?[0]?.GetValue<string>() : null;
            if (said?.StartsWith("starts with a byte order mark", StringComparison.Ordinal) != true)
            {
                failures.Add($"{route}: {(int)response.StatusCode} {Cut(text)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [TestCase("{\"name\":\"x\"} x")]
    [TestCase("{\"zzz\":1}}")]
    [TestCase("{\"name\":\"x\",\"zzz\":1,")]
    public async Task A_syntax_error_after_an_unknown_or_any_property_names_the_document_not_that_property(string body)
    {
        // The trailing garbage of '{"name":"x"} x' was "name: malformed JSON" on the routes without a 'name' (a dry run, a
        // manual run, a grant): the serializer's stop at the unknown property, with the syntax error's position.
        var failures = new List<string>();
        foreach (var route in _readsBody.Order(StringComparer.Ordinal))
        {
            var (method, template) = (route.Split(' ')[0], route.Split(' ')[1]);
            using var request = Request(new HttpMethod(method), Fill(template), template == "/forge/uninstall" ? Samples.NewTenant() : _tenant);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await Backend.Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var keys = (int)response.StatusCode == 400 ? JsonNode.Parse(text)!["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [] : [];
            if (keys is not ["$"])
            {
                failures.Add($"{route}: {(int)response.StatusCode} {Cut(text)}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private static readonly string[] HeaderJunk = ["", " ", new string('u', 8000), "Bearer x", "x,y", "\t", "null", "%00", "\u0001", "a\u007fb"];

    [Test]
    public async Task A_malformed_forge_token_header_on_every_route_is_a_4xx_problem_or_is_ignored()
    {
        // The user token (x-forge-oauth-user) on /api routes, the system token (x-forge-oauth-system) on every route.
        var failures = new List<string>();
        foreach (var (method, template) in Routes())
        {
            foreach (var header in new[] { FakeJira.UserTokenHeader, "x-forge-oauth-system" })
            {
                foreach (var value in HeaderJunk)
                {
                    var path = Fill(template);
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Issuer.Mint(TestIssuer.ForRoute(path, template == "/forge/uninstall" ? Samples.NewTenant() : _tenant)));
                    request.Headers.TryAddWithoutValidation(header, value);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await Backend.Client.SendAsync(request);
                    if (await CheckAsync(response) is { } problem)
                    {
                        failures.Add($"{method} {template} {header}={(value.Length > 12 ? value[..12] + "…" : value)}: {problem}");
                    }
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public async Task Every_method_a_route_does_not_take_is_a_405_problem_naming_the_ones_it_does()
    {
        var routes = Routes();
        var failures = new List<string>();
        foreach (var template in routes.Select(r => r.Template).Distinct())
        {
            var taken = routes.Where(r => r.Template == template).Select(r => r.Method).ToHashSet();
            foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" }.Where(m => !taken.Contains(m)))
            {
                using var request = Request(new HttpMethod(method), Fill(template));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                var problem = await CheckAsync(response);
                // "/api/rules/validate" is also "/api/rules/{id}" with the id "validate": that route's 404 is the answer.
                var alsoAnother = routes.Any(r => r.Method == method && r.Template != template && Matches(r.Template, template));
                if (problem is null && (int)response.StatusCode != 405 && !(alsoAnother && (int)response.StatusCode is 404 or 400))
                {
                    problem = $"{(int)response.StatusCode}, not 405";
                }

                if (problem is null && (int)response.StatusCode == 405 && !taken.All(m => response.Content.Headers.Allow.Contains(m)))
                {
                    problem = $"Allow: {string.Join(", ", response.Content.Headers.Allow)}";
                }

                if (problem is not null)
                {
                    failures.Add($"{method} {template}: {problem}");
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    [Test]
    public async Task An_unknown_route_below_or_beside_every_route_is_a_404_problem()
    {
        var failures = new List<string>();
        foreach (var (method, template) in Routes())
        {
            // A path no route matches is not quoted back (one a route matches is that route's answer: an id-like id is shown).
            var unknown = new[] { Fill(template) + "/nope", Fill(template) + "/nope/again", Fill(template) + "x", Fill(template) + "/" + Canary };
            foreach (var path in unknown.Where(p => !p.EndsWith(Canary, StringComparison.Ordinal) || !Routes().Any(r => Matches(r.Template, p))))
            {
                using var request = Request(new HttpMethod(method), path);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                var problem = await CheckAsync(response);
                if (problem is null && (int)response.StatusCode < 400)
                {
                    problem = $"{(int)response.StatusCode} for an unknown path";
                }

                if (problem is not null)
                {
                    failures.Add($"{method} {path}: {problem}");
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>Path values sent escaped as written (the client keeps them; an id-like value is echoed by design, docs/api.md Errors): too long, slash, dots (not a whole dot segment, which the client and Kestrel resolve to another path), whitespace, non-ASCII, controls.</summary>
    private static readonly string[] PathValues =
    [
        new string('i', 7000), "a%2Fb", "a%2F..%2Fb", "a..b", "...", "%2E%2E%2E", "%20", "%20rule%20", "%09", "%0A", "%0D%0A", "%E2%80%AE", "%C3%A9", "%F0%9F%90%9D",
        "%EF%BB%BF", "%01", "%7F", "%C0%AF", "%ED%A0%80", "a;b", "a%3Bb", "%3F", "%23", "~", "%5C", "%22%3E%3C",
    ];

    [Test]
    public async Task A_malformed_value_in_every_path_parameter_is_a_4xx_problem()
    {
        var failures = new List<string>();
        foreach (var (method, template) in Routes().Where(r => r.Template.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var parameter in System.Text.RegularExpressions.Regex.Matches(template, "\\{[^}]+\\}").Select(m => m.Value))
            {
                foreach (var value in PathValues)
                {
                    var path = Fill(template.Replace(parameter, "\u0001", StringComparison.Ordinal)).Replace("\u0001", value, StringComparison.Ordinal);
                    using var request = Request(new HttpMethod(method), path);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await Backend.Client.SendAsync(request);
                    var problem = await CheckAsync(response);
                    if (problem is null && (int)response.StatusCode < 400)
                    {
                        problem = $"{(int)response.StatusCode} for a junk value";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"{method} {template} {parameter}={(value.Length > 30 ? value[..30] + "…" : value)}: {problem}");
                    }
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>What is wrong with an answer (null: nothing): a 5xx, or a 4xx that is not a ProblemDetails in JSON, or one that echoes the canary.</summary>
    private static async Task<string?> CheckAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (text.Contains(Canary, StringComparison.Ordinal) && status >= 400)
        {
            return $"{status} echoes the body: {Cut(text)}";
        }

        if (status >= 500)
        {
            return $"{status} {Cut(text)}";
        }

        if (status < 400)
        {
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return $"{status} with content type {response.Content.Headers.ContentType?.MediaType}: {Cut(text)}";
        }

        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return $"{status} body is not JSON: {Cut(text)}";
        }

        if (problem?["status"]?.GetValue<int>() != status || problem["title"] is null || problem["type"] is null)
        {
            return $"{status} is not a ProblemDetails: {Cut(text)}";
        }

        if (status == 400 && problem["errors"] is not JsonObject { Count: > 0 } && problem["detail"] is null)
        {
            return $"{status} names no field: {Cut(text)}";
        }

        return null;
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
