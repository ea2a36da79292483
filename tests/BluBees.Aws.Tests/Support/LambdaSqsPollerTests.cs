using System.Net;
using System.Text;
using Amazon.SQS;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Aws.Tests.Support;

/// <summary>
/// The adapter + event source mapping fake itself, against a scripted worker: each documented reading of an
/// answer (status in the error list, body not JSON, empty or unknown item identifiers) does what Lambda does.
/// </summary>
[TestFixture]
public sealed class LambdaSqsPollerTests
{
    private SqsFake _sqs = null!;
    private IAmazonSQS _client = null!;
    private LoopbackServer _worker = null!;
    private HttpClient _http = null!;
    private Func<string, (int Status, string Body)> _answer = _ => (200, "{}");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _sqs = await SqsFake.StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
        _client = BluBees.Aws.AwsClientFactory.Sqs(_sqs.Address.ToString());
        _worker = await LoopbackServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var (status, body) = _answer(await reader.ReadToEndAsync());
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
        _http = new HttpClient { BaseAddress = _worker.Address };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _worker.DisposeAsync();
        _client.Dispose();
        await _sqs.DisposeAsync();
    }

    private async Task<(LambdaSqsPoller Poller, string Queue, string[] Ids)> QueueWithTwoAsync(string? codes = "400-599")
    {
        var queue = _sqs.CreateQueue("q-" + Guid.NewGuid().ToString("N")[..8], TimeSpan.FromSeconds(60));
        var ids = new[] { (await _client.SendMessageAsync(queue, "one")).MessageId, (await _client.SendMessageAsync(queue, "two")).MessageId };
        return (new LambdaSqsPoller(_client, queue, _http, codes, useTemplate: false), queue, ids);
    }

    [Test]
    public void The_template_sets_error_status_codes_the_adapter_parses_to_every_4xx_and_5xx()
    {
        var codes = LambdaSqsPoller.ParseStatusCodes(DeployedTemplate.FunctionEnvironment("WorkerFunction", "AWS_LWA_ERROR_STATUS_CODES"));
        Assert.That(codes, Is.EquivalentTo(Enumerable.Range(400, 200)));
        Assert.That(LambdaSqsPoller.ParseStatusCodes("500,502-504, 422,x,7-"), Is.EquivalentTo(new[] { 500, 502, 503, 504, 422 }), "the adapter skips malformed parts");
    }

    [TestCase(500)]
    [TestCase(400)]
    [TestCase(503)]
    public async Task A_listed_error_status_fails_the_invocation_and_deletes_nothing(int status)
    {
        var (poller, queue, _) = await QueueWithTwoAsync();
        _answer = _ => (status, "{\"batchItemFailures\":[]}");
        var delivery = await poller.DeliverOnceAsync();
        Assert.That((delivery.InvocationFailed, delivery.Deleted.Count), Is.EqualTo((true, 0)));
        Assert.That(_sqs.Bodies(queue), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Without_error_status_codes_the_status_is_discarded_and_a_500_deletes_the_batch()
    {
        var (poller, queue, _) = await QueueWithTwoAsync(codes: null);
        _answer = _ => (500, "{\"type\":\"https://tools.ietf.org/html/rfc9110#section-15.6.1\",\"status\":500}");
        var delivery = await poller.DeliverOnceAsync();
        Assert.That((delivery.InvocationFailed, delivery.Deleted.Count), Is.EqualTo((false, 2)));
        Assert.That(_sqs.Bodies(queue), Is.Empty);
    }

    [Test]
    public async Task Listed_item_failures_stay_and_the_others_are_deleted()
    {
        var (poller, queue, ids) = await QueueWithTwoAsync();
        _answer = _ => (200, $"{{\"batchItemFailures\":[{{\"itemIdentifier\":\"{ids[1]}\"}}]}}");
        var delivery = await poller.DeliverOnceAsync();
        Assert.That(delivery.Deleted, Is.EqualTo(new[] { ids[0] }));
        Assert.That(_sqs.Bodies(queue), Is.EqualTo(new[] { "two" }));
    }

    [TestCase("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}")]
    [TestCase("{\"batchItemFailures\":[{\"itemIdentifier\":null}]}")]
    [TestCase("{\"batchItemFailures\":[{\"id\":\"x\"}]}")]
    [TestCase("{\"batchItemFailures\":[{\"itemIdentifier\":\"not-in-this-batch\"}]}")]
    public async Task A_malformed_item_failure_fails_the_whole_batch(string answer)
    {
        var (poller, queue, _) = await QueueWithTwoAsync();
        _answer = _ => (200, answer);
        var delivery = await poller.DeliverOnceAsync();
        Assert.That(delivery.Deleted, Is.Empty);
        Assert.That(_sqs.Bodies(queue), Has.Count.EqualTo(2));
    }

    [TestCase("not json")]
    [TestCase("")]
    [TestCase("{}")]
    [TestCase("{\"batchItemFailures\":null}")]
    public async Task A_body_that_is_not_JSON_or_lists_no_failure_counts_as_complete_success(string answer)
    {
        var (poller, queue, _) = await QueueWithTwoAsync();
        _answer = _ => (200, answer);
        var delivery = await poller.DeliverOnceAsync();
        Assert.That(delivery.Deleted, Has.Count.EqualTo(2));
        Assert.That(_sqs.Bodies(queue), Is.Empty);
    }
}
