using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Aws.Tests.Fakes;

namespace BluBees.Aws.Tests.Sqs;

/// <summary>
/// The worker's <c>/internal/sqs-batch</c> given bodies the event source mapping never sends (null records, records of
/// the wrong shape, not JSON at all, empty, another root, nested 1,000 deep, a key twice, a lone surrogate): a 400 ProblemDetails, or, for a record that is readable but not a run, a batch
/// answer listing it as failed — never a 500 or an unhandled exception in the log. The worker instance runs on the
/// embedded store; the SQS stand-in is only its configured queue (nothing is sent to it here).
/// </summary>
[TestFixture]
public sealed class WorkerBatchBadInputTests
{
    private TestIssuer _issuer = null!;
    private SqsFake _sqs = null!;
    private BackendHost _worker = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _sqs = await SqsFake.StartAsync(TimeProvider.System);
        var queue = _sqs.CreateQueue("blubees-bad-input-runs", TimeSpan.FromSeconds(900));
        _worker = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = queue,
            ["Queue:SqsServiceUrl"] = _sqs.Address.ToString(),
            ["Worker:Mode"] = "SqsRoute",
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _worker.DisposeAsync();
        await _sqs.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    /// <summary>(name, body, expected status, the field a 400 names or the message id a 200 lists as failed).</summary>
    private static readonly (string Name, string Body, int Status, string Named)[] Cases =
    [
        ("null record", """{"Records":[null]}""", 400, "Records[0]"),
        ("null record beside a readable one", """{"Records":[{"messageId":"m-1","body":"x"},null]}""", 400, "Records[1]"),
        ("Records an object", """{"Records":{}}""", 400, "Records"),
        ("Records null", """{"Records":null}""", 400, "Records"),
        ("array root", """[{"Records":[]}]""", 400, "Records"),
        ("message id a number", """{"Records":[{"messageId":5}]}""", 400, "Records"),
        ("attribute a number", """{"Records":[{"messageId":"m-2","attributes":{"ApproximateReceiveCount":2}}]}""", 400, "Records"),
        ("deep", """{"Records":[""" + string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)) + "]}", 400, "Records"),
        ("truncated", """{"Records":[{"messageId":"m""", 400, "Records"),
        ("empty body", "", 400, "Records"),
        ("null root", "null", 400, "Records"),
        ("number root", "1e400", 400, "Records"),
        ("string root", "\"Records\"", 400, "Records"),
        ("1,000 deep objects", string.Concat(Enumerable.Repeat("{\"Records\":", 1000)) + "[]" + new string('}', 1000), 400, "Records"),
        ("Records given twice", """{"Records":[],"Records":null}""", 400, "Records"),
        ("a lone surrogate escape in a message id", """{"Records":[{"messageId":"\ud800","body":"x"}]}""", 400, "Records"),
        ("a receive count out of range", """{"Records":[{"messageId":"m-5","body":"x","attributes":{"ApproximateReceiveCount":"99999999999999999999"}}]}""", 200, "m-5"),
        ("record without a body", """{"Records":[{"messageId":"m-3"}]}""", 200, "m-3"),
        ("record whose body is not an envelope", """{"Records":[{"messageId":"m-4","body":"{\"x\":1}"}]}""", 200, "m-4"),
    ];

    private static IEnumerable<TestCaseData> CaseData() => Cases.Select((c, i) => new TestCaseData(i).SetName("sqs-batch: " + c.Name));

    [TestCaseSource(nameof(CaseData))]
    public async Task A_batch_the_event_source_never_sends_is_a_400_problem_or_a_failed_item_never_a_500(int index)
    {
        var (_, body, status, named) = Cases[index];
        var logged = _worker.Logs.Lines.Count;
        using var response = await _worker.Client.PostAsync("/internal/sqs-batch", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.That((int)response.StatusCode, Is.EqualTo(status), text);
        var answer = JsonNode.Parse(text)!;
        if (status == 400)
        {
            Assert.That(answer["status"]?.GetValue<int>(), Is.EqualTo(400), text);
            Assert.That(answer["title"]?.GetValue<string>(), Is.EqualTo("Not an SQS event"), text);
            Assert.That(answer["errors"]?.AsObject().Select(e => e.Key), Is.EqualTo(new[] { named }), text);
        }
        else
        {
            Assert.That(answer["batchItemFailures"]!.AsArray().Select(f => f!["itemIdentifier"]!.GetValue<string>()), Is.EqualTo(new[] { named }), text);
        }

        var errors = _worker.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors));
    }
}
