using System.Net;
using System.Text;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The worker's anonymous <c>POST /internal/sqs-batch</c> answers only the Lambda Web Adapter on the same machine. A proxy
/// or tunnel agent on that machine (nginx, Caddy, an SSH or ngrok tunnel to a container running the worker) connects from
/// 127.0.0.1 for whoever called it, and without the forwarded-headers middleware (off by default) the route saw only the
/// loopback peer: a network caller behind it had its forged batch read and processed, as <c>/dev/token</c> did before it
/// refused forwarded requests (<see cref="ForgeContract.DevIssuerProxiedCallerTests"/>). A request carrying a header by
/// which a proxy says it forwarded is refused 403 before its body is read. The adapter never sends one: its pass-through
/// request carries only <c>Content-Type</c>, <c>x-amzn-request-context</c> and <c>x-amzn-lambda-context</c>
/// (https://github.com/awslabs/aws-lambda-web-adapter, src/lib.rs <c>fetch_response</c>; the request is built by
/// aws-lambda-rust-runtime's lambda-http <c>into_pass_through_request</c>), which still reaches the route.
/// </summary>
public sealed class WorkerRouteProxiedCallerTests
{
    private const string Tenant = "ari:cloud:ecosystem::installation/3c7d1e0a-5b2f-4a8e-9d6c-000000000b47";
    private TestIssuer _issuer = null!;
    private BackendHost _worker = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        // The worker function's queue and route choices, on the embedded store: the SQS queue is configured, never called.
        _worker = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs",
            ["Worker:Mode"] = "SqsRoute",
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _worker.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [TestCase("X-Forwarded-For", "203.0.113.9")]
    [TestCase("X-Forwarded-For", "127.0.0.1, 203.0.113.9")]
    [TestCase("Forwarded", "for=203.0.113.9;proto=https")]
    [TestCase("X-Real-IP", "203.0.113.9")]
    [TestCase("Via", "1.1 edge-proxy")]
    [TestCase("X-Forwarded-Host", "worker.example")]
    public async Task A_batch_a_proxy_forwarded_is_refused_before_its_body_is_read(string header, string value)
    {
        var messageId = "fwd-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/sqs-batch") { Content = Batch(messageId) };
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await _worker.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), text);
            Assert.That(text, Does.Contain("\"status\":403").And.Not.Contain("batchItemFailures"), text);
            Assert.That(_worker.Logs.Lines.Where(l => l.Contains(messageId, StringComparison.Ordinal)), Is.Empty, "nothing of the batch was read");
            Assert.That(_worker.Logs.Lines.Where(l => l.Contains(value, StringComparison.Ordinal)), Is.Empty, "the header's value is never logged");
        });
    }

    [Test]
    public async Task The_adapters_own_request_still_reaches_the_route()
    {
        var messageId = "lwa-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/internal/sqs-batch") { Content = Batch(messageId) };
        request.Headers.TryAddWithoutValidation("x-amzn-request-context", "null");
        request.Headers.TryAddWithoutValidation("x-amzn-lambda-context", """{"request_id":"8f1b2c3d","deadline":1750000000000,"invoked_function_arn":"arn:aws:lambda:eu-west-1:000000000000:function:blubees-worker"}""");
        using var response = await _worker.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(text, Does.Contain("batchItemFailures"), text);
        Assert.That(_worker.Logs.Lines.Any(l => l.Contains(messageId, StringComparison.Ordinal)), Is.True, "the batch was read (its message logged by id before the answer)");
    }

    /// <summary>A batch of one "finish the uninstall" message (the run queue's unencrypted kind): read, it is logged by id.</summary>
    private static StringContent Batch(string messageId)
        => new($$"""{"Records":[{"messageId":"{{messageId}}","body":"{\"kind\":\"finish-uninstall\",\"tenant\":\"{{Tenant}}\"}"}]}""", Encoding.UTF8, "application/json");
}
