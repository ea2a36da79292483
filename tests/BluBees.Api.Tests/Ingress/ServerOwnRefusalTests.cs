using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// What Kestrel refuses itself, before any middleware of ours runs, and answers with the status alone and an empty
/// body (no ProblemDetails can be written: there is no request for the application yet). Pinned here so that
/// docs/api.md (Errors) says what a caller actually gets: a request the server cannot parse at all (400), a target
/// form only OPTIONS or CONNECT may use (405), an HTTP version other than 1.0 and 1.1 (505), a request line or header
/// block past the server's own limits (414, 431). None of them reaches the application, which the absence of the
/// headers every answer of ours carries (<c>X-Content-Type-Options</c>, <c>Cache-Control: no-store</c>) shows. The
/// requests that do reach it are answered with a ProblemDetails: the last test.
/// </summary>
public sealed class ServerOwnRefusalTests : BackendFixture
{
    private static IEnumerable<TestCaseData> Refusals()
    {
        const string Host = "Host: {host}\r\n";
        const string Post = "POST /forge/events HTTP/1.1\r\n" + Host + "Content-Type: application/json\r\n";
        yield return Case("a NUL byte in the path", $"GET /api/\0x HTTP/1.1\r\n{Host}\r\n", 400);
        yield return Case("%00 in the path", $"GET /api/%00 HTTP/1.1\r\n{Host}\r\n", 400);
        yield return Case("a method with a delimiter", $"G(T /health HTTP/1.1\r\n{Host}\r\n", 400);
        yield return Case("CONNECT", $"CONNECT example.com:443 HTTP/1.1\r\n{Host}\r\n", 400);
        yield return Case("a header line without a colon", $"GET /health HTTP/1.1\r\n{Host}Foo\r\n\r\n", 400);
        yield return Case("a space before the colon", $"GET /health HTTP/1.1\r\n{Host}X-A : b\r\n\r\n", 400);
        yield return Case("an empty header name", $"GET /health HTTP/1.1\r\n{Host}: b\r\n\r\n", 400);
        yield return Case("a folded header line", $"GET /health HTTP/1.1\r\n{Host}X-A: b\r\n c\r\n\r\n", 400);
        yield return Case("a NUL byte in a header value", $"GET /health HTTP/1.1\r\n{Host}X-A: a\0b\r\n\r\n", 400);
        yield return Case("a bare CR in a header value", $"GET /health HTTP/1.1\r\n{Host}X-A: a\rb\r\n\r\n", 400);
        yield return Case("a byte outside ASCII in a header value", $"GET /health HTTP/1.1\r\n{Host}X-A: a\u00e9b\r\n\r\n", 400);
        yield return Case("a byte outside ASCII in a header name", $"GET /health HTTP/1.1\r\n{Host}X-\u00e9: b\r\n\r\n", 400);
        yield return Case("no Host", "GET /health HTTP/1.1\r\n\r\n", 400);
        yield return Case("two Host headers", $"GET /health HTTP/1.1\r\n{Host}{Host}\r\n", 400);
        yield return Case("a Host with a space", "GET /health HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
        yield return Case("an absolute target naming another host", $"GET http://other.example/health HTTP/1.1\r\n{Host}\r\n", 400);
        yield return Case("two different Content-Lengths", $"{Post}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{{}}", 400);
        yield return Case("the same Content-Length twice", $"{Post}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{{}}", 400);
        yield return Case("a Content-Length listing one length twice", $"{Post}Content-Length: 2, 2\r\n\r\n{{}}", 400);
        yield return Case("a Content-Length that is not a number", $"{Post}Content-Length: abc\r\n\r\n{{}}", 400);
        yield return Case("a negative Content-Length", $"{Post}Content-Length: -1\r\n\r\n{{}}", 400);
        yield return Case("a transfer coding not ending in chunked", $"{Post}Transfer-Encoding: chunked, gzip\r\n\r\n", 400);
        yield return Case("an HTTP/1.0 body without a length", "POST /forge/events HTTP/1.0\r\nContent-Type: application/json\r\n\r\n{}", 400);
        yield return Case("the asterisk form with GET", $"GET * HTTP/1.1\r\n{Host}\r\n", 405);
        yield return Case("the authority form with GET", $"GET example.com:443 HTTP/1.1\r\n{Host}\r\n", 405);
        yield return Case("HTTP/1.2", $"GET /health HTTP/1.2\r\n{Host}\r\n", 505);
        yield return Case("HTTP/2.0 in an HTTP/1 request line", $"GET /health HTTP/2.0\r\n{Host}\r\n", 505);
        yield return Case("a request line over 64 KiB", $"GET /{new string('a', 70 * 1024)} HTTP/1.1\r\n{Host}\r\n", 414);
        yield return Case("headers over 64 KiB", $"GET /health HTTP/1.1\r\n{Host}X-A: {new string('a', 70 * 1024)}\r\n\r\n", 431);
        yield return Case("more than 200 header fields", $"GET /health HTTP/1.1\r\n{Host}{string.Concat(Enumerable.Range(0, 201).Select(i => $"X-{i}: v\r\n"))}\r\n", 431);

        static TestCaseData Case(string name, string request, int status) => new TestCaseData(request, status).SetName(name);
    }

    [TestCaseSource(nameof(Refusals))]
    public async Task Kestrel_refuses_before_the_application_with_an_empty_body(string request, int status)
    {
        var logged = Backend.Logs.Lines.Count;
        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync(request.Replace("{host}", Backend.Address.Authority, StringComparison.Ordinal));
        var answer = await raw.ReadAsync();

        Assert.That(answer, Is.Not.Null, "the server closed the connection without an answer");
        Assert.That(answer!.Status, Is.EqualTo(status));
        Assert.That(answer.Body, Is.Empty);
        Assert.That(answer.Header("content-type"), Is.Null);
        Assert.That(answer.Header("x-content-type-options"), Is.Null, "no middleware of ours ran");
        Assert.That(answer.Closes, Is.True, "Kestrel closes the connection after its own refusal");
        Assert.That(Backend.Logs.Lines.Skip(logged), Has.None.Contains("Unhandled"));
    }

    /// <summary>
    /// Headers that do not arrive whole within Kestrel's <c>RequestHeadersTimeout</c> (30 s; one second here) are
    /// Kestrel's own 408 with an empty body, like the refusals above: there is no request for the application yet.
    /// </summary>
    [Test]
    public async Task Headers_that_never_end_are_Kestrels_own_408()
    {
        await using var slow = await BackendHost.StartAsync(Issuer, services: s => s.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(
            k => k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1)));
        await using var raw = await RawHttp.ConnectAsync(slow.Address);
        await raw.SendAsync($"GET /health HTTP/1.1\r\nHost: {slow.Address.Authority}\r\nX-A: b\r\n");
        var answer = await raw.ReadAsync();

        Assert.That(answer?.Status, Is.EqualTo(408));
        Assert.That(answer!.Body, Is.Empty);
        Assert.That(answer.Header("x-content-type-options"), Is.Null, "no middleware of ours ran");
    }

    /// <summary>
    /// The neighbours that do reach the application: a body declared over the server's own limit (513 KiB), headers and a
    /// target between our limits and the server's, a control character Kestrel lets through. Each is a ProblemDetails (or
    /// an ordinary answer), never an empty body or a 500.
    /// </summary>
    [Test]
    public async Task The_neighbours_that_reach_the_application_are_answered_with_a_problem()
    {
        var tenant = Samples.NewTenant();
        var host = $"Host: {Backend.Address.Authority}\r\n";
        var auth = $"Authorization: Bearer {Issuer.MintFor("/forge/events", tenant)}\r\n";
        var cases = new (string Name, string Request, int Status, string? Names)[]
        {
            ("a body declared over the server's limit", $"POST /forge/events HTTP/1.1\r\n{host}{auth}Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{{}}", 413, null),
            ("a target of 60 KiB", $"GET /api/rules/{new string('a', 60 * 1024)} HTTP/1.1\r\n{host}\r\n", 414, "path"),
            ("headers of 60 KiB", $"GET /health HTTP/1.1\r\n{host}X-A: {new string('a', 60 * 1024)}\r\n\r\n", 431, "headers"),
            ("150 header fields", $"GET /health HTTP/1.1\r\n{host}{string.Concat(Enumerable.Range(0, 150).Select(i => $"X-{i}: v\r\n"))}\r\n", 431, "headers"),
            ("a control character Kestrel lets through", $"GET /health HTTP/1.1\r\n{host}X-A: a\u0001b\u007fc\r\n\r\n", 200, null),
        };
        foreach (var (name, request, status, names) in cases)
        {
            await using var raw = await RawHttp.ConnectAsync(Backend.Address);
            await raw.SendAsync(request);
            var answer = await raw.ReadAsync();

            Assert.That(answer?.Status, Is.EqualTo(status), name);
            Assert.That(answer!.Header("content-type"), Does.StartWith("application/json"), name);
            Assert.That(answer.Header("x-content-type-options"), Is.EqualTo("nosniff"), name);
            var body = JsonNode.Parse(answer.Body)!;
            if (status >= 400)
            {
                Assert.That((int?)body["status"], Is.EqualTo(status), name);
                Assert.That((string?)body["detail"], Is.Not.Empty, name);
            }

            if (names is not null)
            {
                Assert.That(body["errors"]?[names], Is.Not.Null, name);
            }
        }
    }
}
