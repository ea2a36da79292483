using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The framing battery of <see cref="EveryRouteEdgeInputFixture"/>: bodies Kestrel reads for the route and refuses
/// while the route reads them (a <c>BadHttpRequestException</c> at body read), sent to every POST and PUT route over a
/// raw connection: a body shorter than its <c>Content-Length</c> or chunks without the last one (the client then goes
/// silent until Kestrel's minimum data rate gives up: 408), a chunk size that is not hex or overflows, chunk data longer
/// than its size, a control byte in a chunk extension. (A client that ends its side of the connection before its body
/// is complete gets no answer at all: Kestrel takes the half-close as the client gone and aborts the connection before
/// any code of ours can write one, docs/api.md, Errors.) Unlike Kestrel's refusals of a request head
/// (<see cref="Ingress.ServerOwnRefusalTests"/>), each of these reaches the application: the answer is a ProblemDetails
/// in JSON that our middleware wrote (a 4xx, never a 500, never an empty body or a closed connection without an answer),
/// or the route's own answer when it reads no body.
/// </summary>
public sealed class EveryRouteBodyFramingTests : EveryRouteEdgeInputFixture
{
    /// <summary>(name, framing headers, body).</summary>
    private static readonly (string Name, string Headers, string Body)[] Framings =
    [
        ("shorter than its Content-Length, then silence", "Content-Length: 60\r\n", "{\"name\":\"" + Canary + "\""),
        ("a chunk size that is not hex", "Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"),
        ("a chunk size that overflows", "Transfer-Encoding: chunked\r\n", "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
        ("chunk data longer than its size", "Transfer-Encoding: chunked\r\n", "2\r\n{}}}\r\n0\r\n\r\n"),
        ("a control byte in a chunk extension", "Transfer-Encoding: chunked\r\n", "2;a=\u0001\r\n{}\r\n0\r\n\r\n"),
        ("no last chunk, then silence", "Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n"),
    ];

    private static IEnumerable<TestCaseData> Cases() => Framings.Select((f, i) => new TestCaseData(i).SetName("framing: " + f.Name));

    [TestCaseSource(nameof(Cases))]
    public async Task A_broken_body_framing_on_every_route_that_takes_a_body_is_a_problem_or_the_routes_own_answer(int index)
    {
        var (name, framing, body) = Framings[index];
        var routes = Routes().Where(r => r.Method is "POST" or "PUT").ToList();
        // At once: a silent body is given up on after Kestrel's minimum data rate grace period (5 s), for each route.
        var answers = await Task.WhenAll(routes.Select(async route =>
        {
            await using var raw = await SendAsync(route.Method, route.Template, framing, body);
            return (Route: $"{route.Method} {route.Template}", Answer: await raw.ReadAsync(timeout: TimeSpan.FromSeconds(60)));
        }));

        var failures = new List<string>();
        foreach (var (route, answer) in answers)
        {
            var wrong = answer is null ? "no answer (the connection closed)"
                : answer.Status >= 500 ? $"{answer.Status} {Cut(answer.Body)}"
                : answer.Status < 400 ? null
                : answer.Header("x-content-type-options") is null ? $"{answer.Status} written by Kestrel, not the app (body '{Cut(answer.Body)}')"
                : answer.Header("content-type")?.StartsWith("application/json", StringComparison.Ordinal) != true ? $"{answer.Status} with content type {answer.Header("content-type")}"
                : answer.Body.Contains(Canary, StringComparison.Ordinal) ? $"{answer.Status} echoes the body"
                : JsonNode.Parse(answer.Body) is not JsonObject problem || (int?)problem["status"] != answer.Status || problem["title"] is null || problem["detail"] is null
                    ? $"{answer.Status} is not a ProblemDetails: {Cut(answer.Body)}" : null;
            if (wrong is not null)
            {
                failures.Add($"{route}: {wrong}");
            }
        }

        Assert.That(answers, Has.Length.GreaterThan(10), "every route that takes a body was tried");
        Assert.That(failures, Is.Empty, name + ":\n" + string.Join("\n", failures));
    }

    /// <summary>
    /// What cannot be shaped: a client that ends its side of the connection (a TCP half-close) before its body is complete
    /// gets no answer. Kestrel takes the end of the request stream as the client gone and aborts the connection, whichever
    /// route it is (one that reads its body first, one that checks Jira first). Pinned so docs/api.md (Errors) stays true.
    /// </summary>
    [TestCase("POST", "/forge/events", "Content-Length: 60\r\n", "{\"eventType\":\"x\"")]
    [TestCase("POST", "/api/rules", "Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n")]
    public async Task A_client_that_ends_its_side_before_its_body_is_complete_gets_no_answer(string method, string template, string framing, string body)
    {
        await using var raw = await SendAsync(method, template, framing, body);
        raw.EndSending();
        Assert.That(await raw.ReadAsync(timeout: TimeSpan.FromSeconds(30)), Is.Null, "Kestrel closes the connection without an answer");
        using var health = await Backend.Client.GetAsync("/health");
        Assert.That((int)health.StatusCode, Is.EqualTo(200), "the app still answers");
    }

    private async Task<RawHttp> SendAsync(string method, string template, string framing, string body)
    {
        var path = Fill(template);
        using var request = Request(new HttpMethod(method), path, template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\nContent-Type: application/json\r\n");
        foreach (var header in request.Headers)
        {
            head.Append(header.Key).Append(": ").Append(string.Join(", ", header.Value)).Append("\r\n");
        }

        var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync(head.Append(framing).Append("\r\n").Append(body).ToString());
        return raw;
    }
}
