using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Every kind of answer (2xx, 400, 401, 403, 404, 405, 413, 415), to a request with a body of every framing and size
/// band (none, a length under and over the server's limit, chunked under and over it, a length with
/// <c>Expect: 100-continue</c> whose body is sent only after a <c>100 Continue</c>), on a raw connection: the answer
/// either says the connection closes (<c>Connection: close</c>) or the connection serves the next request. A server
/// that closes a connection silently makes the client's next request on its pooled connection fail while sending.
/// </summary>
public sealed class ConnectionReuseTests : BackendFixture
{
    private string _tenant = null!;
    private string _ruleId = null!;

    public enum Target { List, Health, Enable, DeleteMissing, NoRoute, WrongMethod, NoToken, OtherModule, NotJson, Malformed }

    public enum Framing { None, LengthSmall, LengthOverLimit, ChunkedSmall, ChunkedOverLimit, ExpectContinue }

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _ruleId = (await CreateRuleAsync(_tenant, Samples.Rule(await CreateConnectionAsync(_tenant))))["id"]!.GetValue<string>();
    }

    private static IEnumerable<TestCaseData> Cases()
        => from target in Enum.GetValues<Target>()
           from framing in Enum.GetValues<Framing>()
           select new TestCaseData(target, framing).SetName($"{target}, body {framing}");

    [TestCaseSource(nameof(Cases))]
    public async Task An_answer_leaves_its_connection_usable_or_says_it_closes(Target target, Framing framing)
    {
        var (method, path, headers, expected) = Request(target, framing);
        var size = framing is Framing.LengthOverLimit or Framing.ChunkedOverLimit ? 600 * 1024 : 2 * 1024;
        var body = "{\"name\":\"" + new string('x', size) + "\"";
        var framed = framing switch
        {
            Framing.None => "\r\n",
            Framing.LengthSmall or Framing.LengthOverLimit => $"Content-Length: {body.Length}\r\n\r\n{body}",
            Framing.ExpectContinue => $"Content-Length: {body.Length}\r\nExpect: 100-continue\r\n\r\n",
            _ => $"Transfer-Encoding: chunked\r\n\r\n{Chunked(body)}",
        };

        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync($"{method} {path} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n{headers}{framed}");
        var answer = await raw.ReadAsync(interim: framing == Framing.ExpectContinue);
        if (answer?.Status == 100)
        {
            // As a client should: the body only once the server asked for it (RFC 9110 §10.1.1).
            await raw.SendAsync(body);
            answer = await raw.ReadAsync();
        }

        Assert.That(answer, Is.Not.Null, "the server closed the connection without an answer");
        Assert.That(answer!.Status, Is.EqualTo(framing is Framing.None or Framing.LengthSmall or Framing.ChunkedSmall or Framing.ExpectContinue ? expected : Over(expected)), answer.Body);
        if (answer.Status >= 400)
        {
            Assert.That(answer.Header("content-type"), Does.StartWith("application/json"));
            Assert.That(JsonNode.Parse(answer.Body)!["status"]!.GetValue<int>(), Is.EqualTo(answer.Status));
        }

        if (!answer.Closes)
        {
            await raw.SendAsync($"GET /health HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n\r\n");
            var next = await raw.ReadAsync();
            Assert.That(next?.Status, Is.EqualTo(200), "the answer did not say Connection: close, but the connection did not serve the next request");
        }
    }

    /// <summary>The status with a body over the server's limit: the same, but a route that reads the body refuses it (413).</summary>
    private static int Over(int expected) => expected == 400 ? 413 : expected;

    private (string Method, string Path, string Headers, int Expected) Request(Target target, Framing framing)
    {
        string Auth(string path) => $"Authorization: Bearer {Issuer.Mint(TestIssuer.ForRoute(path, _tenant))}\r\n{FakeJira.UserTokenHeader}: {Backend.Jira.IssueUserToken("557058:admin")}\r\n";
        var json = framing == Framing.None ? string.Empty : "Content-Type: application/json\r\n";
        return target switch
        {
            Target.List => ("GET", "/api/rules", Auth("/api/rules") + json, 200),
            Target.Health => ("GET", "/health", json, 200),
            Target.Enable => ("POST", $"/api/rules/{_ruleId}/enable", Auth("/api/rules") + json, 200),
            Target.DeleteMissing => ("DELETE", "/api/rules/rule_doesnotexist00000000", Auth("/api/rules") + json, 404),
            Target.NoRoute => ("POST", "/api/nope", Auth("/api/nope") + json, 404),
            Target.WrongMethod => ("PATCH", "/api/rules", Auth("/api/rules") + json, 405),
            Target.NoToken => ("POST", "/api/rules", json, 401),
            Target.OtherModule => ("POST", "/api/rules", $"Authorization: Bearer {Issuer.MintFor("/forge/events", _tenant)}\r\n" + json, 403),
            Target.NotJson => ("POST", "/api/rules", Auth("/api/rules") + (framing == Framing.None ? string.Empty : "Content-Type: text/plain\r\n"), 415),
            _ => ("POST", "/api/rules/validate", Auth("/api/rules") + json, framing == Framing.None ? 415 : 400),
        };
    }

    private static string Chunked(string body)
    {
        var text = new StringBuilder();
        for (var i = 0; i < body.Length; i += 8192)
        {
            var part = body.Substring(i, Math.Min(8192, body.Length - i));
            text.Append($"{part.Length:x}\r\n{part}\r\n");
        }

        return text.Append("0\r\n\r\n").ToString();
    }
}
