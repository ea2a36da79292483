using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The body battery of <see cref="EveryRouteEdgeInputFixture"/>: JSON edge forms of the body (a BOM before a valid body,
/// trailing garbage, raw NUL, invalid or overlong UTF-8, odd charsets, an empty body, a root of another kind, huge strings in
/// every field, 1,000 and 100,000 levels deep, a 10 MB body with and without a length, a compressed body, no Content-Type)
/// sent to every POST and PUT route.
/// </summary>
public sealed class EveryRouteEdgeInputBodyTests : EveryRouteEdgeInputFixture
{
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
        ("empty body", () => [], "application/json", null),
        ("invalid UTF-8 in a string", () => [.. Utf8("{\"name\":\"" + Canary), 0xC3, 0x28, 0xFF, 0xFE, .. Utf8("\",\"eventType\":\"x\"}")], "application/json", null),
        ("overlong UTF-8 in a key", () => [.. Utf8("{\""), 0xC0, 0xAF, .. Utf8("\":\"" + Canary + "\"}")], "application/json", null),
        ("number root", () => Utf8("1e400"), "application/json", null),
        ("huge strings in every known field", () => Utf8(HugeFields()), "application/json", null),
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
        "trailing garbage", "trailing NUL", "raw NUL in a string", "lone surrogate", "duplicate keys", "invalid UTF-8 in a string", "overlong UTF-8 in a key", "number root", "array root", "string root", "null root", "true root",
        "1,000 deep arrays", "1,000 deep objects", "100,000 deep, unclosed", "UTF-16 charset", "UTF-16 bytes, no charset", "latin1 charset", "no content type", "gzip", "10 MB",
    };

    /// <summary>A 2,500-character string in each field a route reads, the canary at its end: 30 KB, inside the caps of all but the 4 KiB routes.</summary>
    private static string HugeFields()
    {
        var huge = new string('h', 2_500) + Canary;
        var fields = new[] { "name", "eventType", "issueKey", "requestId", "type", "baseUrl", "cron", "timeZone", "hookId", "signature", "timestamp", "body" };
        return new JsonObject(fields.Select(f => KeyValuePair.Create<string, JsonNode?>(f, huge))).ToJsonString();
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
            var tenant = template == "/forge/uninstall" ? Samples.NewTenant() : Tenant;
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
                var refuse = ReadsBody.Contains(method + " " + template);
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
                if (problem is null && (int)response.StatusCode < 400 && NeverAccepted.Contains(name) && ReadsBody.Contains(method + " " + template))
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
}
