using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// Chunked bodies whose framing is broken (a chunk size that overflows, that is not hex, that is far larger than the
/// body cap, data that does not end where its size says), sent on a raw connection to routes that read a body: each is
/// a 4xx ProblemDetails, never a 500 or an "Unhandled" error log. Kestrel reports most of these as a bad request, but
/// an overflowing chunk size as a plain IOException, which reached the exception handler as an unhandled error.
/// </summary>
public sealed class ChunkFramingTests : BackendFixture
{
    private string _tenant = null!;

    [OneTimeSetUp]
    public void SetUpTenant() => _tenant = Samples.NewTenant();

    private static readonly (string Name, string Chunks)[] Framings =
    [
        ("chunk size overflowing 32 bits", "ffffffff\r\n{}\r\n0\r\n\r\n"),
        ("chunk size overflowing 64 bits", "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
        ("chunk size of leading zeros then overflow", "0000000100000000\r\n{}\r\n0\r\n\r\n"),
        ("chunk size not hex", "zz\r\n{}\r\n0\r\n\r\n"),
        ("chunk size negative", "-2\r\n{}\r\n0\r\n\r\n"),
        ("chunk larger than every body cap", "fffffff\r\n{}\r\n0\r\n\r\n"),
        ("chunk data longer than its size", "1\r\n{}\r\n0\r\n\r\n"),
    ];

    private static readonly string[] Paths = ["/api/rules/validate", "/api/rules", "/forge/events", "/forge/lifecycle", "/forge/webhook"];

    private static IEnumerable<TestCaseData> Cases()
        => from path in Paths
           from framing in Framings.Select((f, i) => (f.Name, i))
           select new TestCaseData(path, framing.i).SetName($"{path}: {framing.Name}");

    [TestCaseSource(nameof(Cases))]
    public async Task A_broken_chunked_body_is_a_4xx_problem_never_a_500(string path, int index)
    {
        var logged = Backend.Logs.Lines.Count;
        var auth = path.StartsWith("/api/", StringComparison.Ordinal)
            ? $"Authorization: Bearer {Issuer.Mint(TestIssuer.ForRoute(path, _tenant))}\r\n{FakeJira.UserTokenHeader}: {Backend.Jira.IssueUserToken("557058:admin")}\r\n"
            : $"Authorization: Bearer {Issuer.MintFor(path, _tenant)}\r\n";

        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync($"POST {path} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n{auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{Framings[index].Chunks}");
        var answer = await raw.ReadAsync();

        Assert.That(answer, Is.Not.Null, "the server closed the connection without an answer");
        Assert.That(answer!.Status, Is.InRange(400, 499), answer.Body);
        Assert.That(answer.Header("content-type"), Does.StartWith("application/json"));
        Assert.That(JsonNode.Parse(answer.Body)!["status"]!.GetValue<int>(), Is.EqualTo(answer.Status), answer.Body);
        var errors = Backend.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
    }
}
