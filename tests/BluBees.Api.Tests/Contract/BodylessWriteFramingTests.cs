using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The write routes that take no body (every DELETE; enable, disable, restore, rotate-secret; <c>/forge/scheduled</c>)
/// act only on a whole request. A body sent with one anyway is read to its end before anything is done, so a body
/// whose chunked framing is broken is the same 400 ProblemDetails as on a route that reads its body, and nothing is
/// deleted, enabled, restored, rotated or queued. Before, these routes acted on the request head alone: a DELETE with
/// a broken chunked body deleted the rule and answered 204, and <c>/forge/scheduled</c> ran its schedules (202). A body
/// cut short by a client that then ends its side of the connection likewise changes nothing: before, a cut disable
/// disabled the rule, a cut restore saved a new version, a cut DELETE deleted the hook (<see cref="HalfClosedBodyTests"/>,
/// every write route; docs/api.md, Errors).
/// </summary>
public sealed class BodylessWriteFramingTests : EveryRouteEdgeInputFixture
{
    /// <summary>Every route that changes something and reads no body (a route that reads one answers text/plain with 415).</summary>
    private List<(string Method, string Template)> BodylessWrites()
        => Routes().Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE" && !ReadsBody.Contains(r.Method + " " + r.Template)).ToList();

    [Test]
    public async Task A_broken_chunked_body_on_a_write_route_that_takes_none_is_a_400_problem_and_changes_nothing()
    {
        var routes = BodylessWrites();
        var before = await Backend.DumpStoreAsync();
        var failures = new List<string>();
        foreach (var (method, template) in routes)
        {
            await using var raw = await SendAsync(method, template, "Transfer-Encoding: chunked\r\n", "zz\r\n{\"name\":\"" + Canary + "\"}\r\n0\r\n\r\n");
            var answer = await raw.ReadAsync();
            var wrong = answer is null ? "no answer"
                : answer.Status != 400 ? $"{answer.Status}, not 400: {Cut(answer.Body)}"
                : answer.Header("content-type")?.StartsWith("application/json", StringComparison.Ordinal) != true ? $"content type {answer.Header("content-type")}"
                : JsonNode.Parse(answer.Body) is not JsonObject problem || (int?)problem["status"] != 400 || problem["title"] is null ? $"not a ProblemDetails: {Cut(answer.Body)}"
                : answer.Body.Contains(Canary, StringComparison.Ordinal) ? "echoes the body"
                : !answer.Closes ? "does not close the connection, whose framing is in doubt" : null;
            if (wrong is not null)
            {
                failures.Add($"{method} {template}: {wrong}");
            }
        }

        Assert.That(routes.Select(r => r.Method + " " + r.Template), Has.Member("DELETE /api/rules/{id}").And.Member("POST /api/rules/{id}/versions/{version}/restore").And.Member("POST /forge/scheduled"), "the routes that take no body were found");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        Assert.That(await Backend.DumpStoreAsync(), Is.EquivalentTo(before), "nothing was changed");
    }

    private async Task<RawHttp> SendAsync(string method, string template, string framing, string body)
    {
        var path = Fill(template);
        using var request = Request(new HttpMethod(method), path);
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
