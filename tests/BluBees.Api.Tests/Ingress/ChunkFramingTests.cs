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

    [TestCase("/api/rules", "gzip, chunked", true)]
    [TestCase("/api/rules", "gzip, chunked", false)]
    [TestCase("/api/rules", "deflate,chunked", false)]
    [TestCase("/forge/events", "gzip, chunked", true)]
    [TestCase("/forge/events", "gzip, chunked", false)]
    public async Task A_body_with_a_transfer_coding_other_than_chunked_is_a_400_naming_Transfer_Encoding_and_nothing_is_saved(string path, string coding, bool compressed)
    {
        var tenant = Samples.NewTenant();
        var json = path == "/api/rules"
            ? Samples.Rule(await CreateConnectionAsync(tenant)).ToJsonString()
            : Samples.Event("OPS-7", "Transfer coded").ToJsonString();
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        if (compressed)
        {
            using var packed = new MemoryStream();
            await using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                await gzip.WriteAsync(bytes);
            }

            bytes = packed.ToArray();
        }

        var auth = path.StartsWith("/api/", StringComparison.Ordinal)
            ? $"Authorization: Bearer {Issuer.Mint(TestIssuer.ForRoute(path, tenant))}\r\n{FakeJira.UserTokenHeader}: {Backend.Jira.IssueUserToken("557058:admin")}\r\n"
            : $"Authorization: Bearer {Issuer.MintFor(path, tenant)}\r\n";
        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync($"POST {path} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n{auth}Content-Type: application/json\r\nTransfer-Encoding: {coding}\r\n\r\n{bytes.Length:x}\r\n");
        await raw.SendAsync([.. bytes, .. "\r\n0\r\n\r\n"u8.ToArray()]);
        var answer = await raw.ReadAsync();

        Assert.That(answer, Is.Not.Null, "the server closed the connection without an answer");
        Assert.That(answer!.Status, Is.EqualTo(400), answer.Body);
        Assert.That(JsonNode.Parse(answer.Body)!["detail"]!.GetValue<string>(), Does.StartWith("Transfer-Encoding:"), answer.Body);
        var saved = path == "/api/rules"
            ? (await Backend.JsonAsync(HttpMethod.Get, "/api/rules", tenant))["items"]!.AsArray().Count
            : (await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray().Count;
        Assert.That(saved, Is.Zero, "nothing was saved or queued");
    }
}
