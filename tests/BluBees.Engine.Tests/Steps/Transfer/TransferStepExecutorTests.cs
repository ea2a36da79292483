using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Transfer;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>Real transfers between loopback servers: byte-exact, metadata passed through, and clean failures on either side.</summary>
public sealed class TransferStepExecutorTests
{
    private const long Mb = 1024 * 1024;

    private static string Step(Uri from, Uri to, string extra = "") => $$"""
        { "id": "copy", "type": "transfer", {{extra}}
          "source": { "url": "{{from}}" },
          "destination": { "url": "{{to}}", "method": "PUT" } }
        """;

    [Test]
    public async Task AThreeHundredMegabyteTransferArrivesByteExactWithTypeAndLength()
    {
        const long size = 300 * Mb;
        await using var source = new GeneratedSource(size, "application/x-bench");
        await using var sink = new HashingSink();
        using var kit = new TransferKit(new TransferOptions { DefaultMaxBytes = 512 * Mb });

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), sink.Url())));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(await sink.Received.Task, Is.True);
        Assert.That(sink.Hash, Is.Not.Null.And.EqualTo(await source.WrittenHashAsync()), "the sink's SHA-256 equals the source's");
        var head = sink.Requests.Single();
        Assert.That(head.Method, Is.EqualTo("PUT"));
        Assert.That(head.Header("Content-Type"), Is.EqualTo("application/x-bench"));
        Assert.That(head.Header("Content-Length"), Is.EqualTo("314572800"));
        Assert.That(outcome.Record.BytesIn, Is.EqualTo(size));
        Assert.That(outcome.Record.BytesOut, Is.EqualTo(size));
        Assert.That(outcome.Record.Metrics!.BytesTransferred, Is.EqualTo(size));
        Assert.That(outcome.Record.Metrics.FailedSide, Is.Null);
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(201));
        Assert.That(outcome.Output!["body"]!["id"]!.GetValue<string>(), Is.EqualTo("file-1"), "later steps can map the destination's answer");
        Assert.That(outcome.Output["bytes"]!.GetValue<long>(), Is.EqualTo(size));
    }

    [Test]
    public async Task AChunkedSourceIsSentChunkedAndByteExact()
    {
        await using var source = new GeneratedSource(5 * Mb + 123, contentType: null, announceLength: false);
        await using var sink = new HashingSink();
        using var kit = new TransferKit();

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), sink.Url())));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(sink.Hash, Is.EqualTo(await source.WrittenHashAsync()));
        var head = sink.Requests.Single();
        Assert.That(head.Header("Content-Length"), Is.Null);
        Assert.That(head.Header("Transfer-Encoding"), Is.EqualTo("chunked"));
        Assert.That(head.Header("Content-Type"), Is.Null, "no type is invented when the source gives none");
        Assert.That(outcome.Record.Metrics!.BytesTransferred, Is.EqualTo(5 * Mb + 123));
    }

    [Test]
    public async Task TheDestinationsOwnContentTypeWins()
    {
        await using var source = new GeneratedSource(1000, "application/octet-stream");
        await using var sink = new HashingSink();
        using var kit = new TransferKit();
        var step = $$$"""
            { "id": "copy", "type": "transfer",
              "source": { "url": "{{{source.Url()}}}" },
              "destination": { "url": "{{{sink.Url()}}}", "method": "POST", "headers": { "Content-Type": "application/pdf", "X-Name": "{{ issue.key }}.pdf" } } }
            """;

        var outcome = await kit.RunAsync(TransferKit.Compile(step));

        Assert.That(outcome.Succeeded, Is.True, outcome.Record.ErrorCategory);
        var head = sink.Requests.Single();
        Assert.That(head.Header("Content-Type"), Is.EqualTo("application/pdf"));
        Assert.That(head.Header("X-Name"), Is.EqualTo("PRJ-12.pdf"));
        Assert.That(head.Header("Content-Length"), Is.EqualTo("1000"));
    }

    [Test]
    public async Task AnAnnouncedBodyOverTheCapIsRefusedBeforeTheDestinationIsCalled()
    {
        await using var source = new GeneratedSource(2 * Mb);
        await using var sink = new HashingSink();
        using var kit = new TransferKit();

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), sink.Url(), "\"maxBytes\": 1048576,")));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ResponseTooLarge));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(sink.Connections, Is.Zero);
    }

    [Test]
    public async Task AnUnannouncedBodyOverTheCapIsCutAndTheDestinationAborted()
    {
        await using var source = new GeneratedSource(8 * Mb, announceLength: false);
        await using var sink = new HashingSink();
        using var kit = new TransferKit(new TransferOptions { DefaultMaxBytes = 10 * Mb, MaxBytes = 2 * Mb });

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), sink.Url())));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ResponseTooLarge), "the operator's ceiling beats the default");
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(outcome.Record.BytesIn, Is.EqualTo(2 * Mb + 1), "never reads more than one byte past the cap");
        Assert.That(outcome.Record.BytesOut, Is.LessThanOrEqualTo(2 * Mb));
        Assert.That(await sink.Received.Task.WaitAsync(TimeSpan.FromSeconds(30)), Is.False, "the destination never gets a complete body");
        Assert.That(sink.Hash, Is.Null);
    }

    [Test]
    public async Task ASourceDyingMidStreamFailsCleanlyAndAbortsTheDestination()
    {
        await using var source = new GeneratedSource(50 * Mb, dieAfter: 10 * Mb);
        await using var sink = new HashingSink();
        using var kit = new TransferKit();

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), sink.Url())));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ConnectionFailed));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(outcome.Record.BytesIn, Is.InRange(1, 10 * Mb));
        Assert.That(outcome.Output, Is.Null);
        Assert.That(await sink.Received.Task.WaitAsync(TimeSpan.FromSeconds(30)), Is.False, "the destination sees the upload cut, not completed");
        Assert.That(sink.BytesRead, Is.LessThan(50 * Mb));
    }

    [Test]
    public async Task ASinkDyingMidStreamFailsCleanlyAndClosesTheSource()
    {
        await using var source = new GeneratedSource(200 * Mb);
        await using var sink = new HashingSink(dieAfter: 5 * Mb);
        using var kit = new TransferKit(new TransferOptions { DefaultMaxBytes = 512 * Mb });

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), sink.Url())));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ConnectionFailed));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
        Assert.That(outcome.Record.BytesOut, Is.LessThan(200 * Mb));
        var sentBeforeClose = await source.ClientWentAway.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(sentBeforeClose, Is.LessThan(200 * Mb), "the source connection was closed mid-body, not drained");
        Assert.That(source.Hash, Is.Null);
    }

    [Test]
    public async Task AnErrorStatusOnEitherSideIsCategorizedWithItsSide()
    {
        await using var missing = new GeneratedSource(100, status: 404);
        await using var fine = new GeneratedSource(100);
        await using var sink = new HashingSink();
        await using var refusing = new HashingSink(status: 503);
        using var kit = new TransferKit();

        var fromMissing = await kit.RunAsync(TransferKit.Compile(Step(missing.Url(), sink.Url())));
        var toRefusing = await kit.RunAsync(TransferKit.Compile(Step(fine.Url(), refusing.Url())));

        Assert.That(fromMissing.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http4xx));
        Assert.That(fromMissing.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(fromMissing.Record.StatusCode, Is.EqualTo(404));
        Assert.That(sink.Connections, Is.Zero, "nothing is sent when the source has no body to give");
        Assert.That(toRefusing.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Http5xx));
        Assert.That(toRefusing.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
        Assert.That(toRefusing.Record.StatusCode, Is.EqualTo(503));
    }

    /// <summary>
    /// docs/api.md: only a 2xx source answer is streamed. A 3xx the guard does not follow (300 here: no Location) was
    /// copied to the destination as if it were the file, and a destination's 300 after the whole body read as a
    /// finished upload (<c>ok: true</c>).
    /// </summary>
    [Test]
    public async Task A_3xx_the_guard_does_not_follow_fails_either_side_and_copies_nothing_from_the_source()
    {
        await using var multipleChoices = new GeneratedSource(100, contentType: "text/html", status: 300);
        await using var fine = new GeneratedSource(100);
        await using var sink = new HashingSink();
        await using var notStoring = new HashingSink(status: 300);
        using var kit = new TransferKit();

        var fromRedirect = await kit.RunAsync(TransferKit.Compile(Step(multipleChoices.Url(), sink.Url())));
        var toRedirect = await kit.RunAsync(TransferKit.Compile(Step(fine.Url(), notStoring.Url())));

        Assert.That(fromRedirect.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(fromRedirect.Record.ErrorCategory, Is.EqualTo(ErrorCategories.UnexpectedStatus));
        Assert.That(fromRedirect.Record.Metrics!.FailedSide, Is.EqualTo("source"));
        Assert.That(fromRedirect.Record.StatusCode, Is.EqualTo(300));
        Assert.That(sink.Connections, Is.Zero, "the redirect's page is not uploaded as the file");
        Assert.That(toRedirect.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(toRedirect.Record.ErrorCategory, Is.EqualTo(ErrorCategories.UnexpectedStatus));
        Assert.That(toRedirect.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
        Assert.That(toRedirect.Output, Is.Null, "no ok: true for later steps");
    }

    [Test]
    public async Task ARedirectThatWouldResendTheStreamFailsCleanly()
    {
        await using var source = new GeneratedSource(4 * Mb);
        await using var sink = new HashingSink();
        await using var redirecting = new StreamingLoopback(async (_, _, stream, ct) =>
        {
            await StreamingLoopback.WriteHeadAsync(stream, 307, 0, ct, ("Location", sink.Url().ToString()));
            await stream.FlushAsync(ct);
        });
        using var kit = new TransferKit();

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), redirecting.Url("/upload"))));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        // The server answers 307 and closes while the upload is still being written: the answer (an upload follows no
        // redirect) or the cut connection, whichever the client sees first.
        Assert.That(outcome.Record.ErrorCategory, Is.AnyOf(ErrorCategories.UnexpectedStatus, ErrorCategories.ConnectionFailed));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
        Assert.That(sink.Hash, Is.Null, "no partial body reaches the redirect's target as if it were whole");
    }

    /// <summary>
    /// A 301/302 answer to the upload was followed as a GET without the body; the redirect's target answered that GET
    /// with 200, so the transfer was recorded as succeeded although nothing was uploaded anywhere.
    /// </summary>
    [TestCase(301)]
    [TestCase(302)]
    public async Task A_301_or_302_answer_to_the_upload_never_reads_as_a_successful_transfer(int status)
    {
        await using var source = new GeneratedSource(64 * 1024);
        await using var anything = Egress.LoopbackServer.Ok("ok"); // answers 200 to any request
        await using var redirecting = new StreamingLoopback(async (_, _, stream, ct) =>
        {
            await StreamingLoopback.WriteHeadAsync(stream, status, 0, ct, ("Location", anything.Url("/moved").ToString()));
            await stream.FlushAsync(ct);
        });
        using var kit = new TransferKit();

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), redirecting.Url("/upload"))));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
        Assert.That(anything.Requests.Where(r => r.Method == "GET"), Is.Empty, "the upload is not turned into a GET");
    }

    [Test]
    public async Task AMissingDestinationConnectionFailsBeforeAnythingIsSent()
    {
        await using var source = new GeneratedSource(1000);
        using var kit = new TransferKit();
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "url": "{{source.Url()}}" },
              "destination": { "connection": "conn_deleted", "path": "/upload" } }
            """);

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ConnectionMissing));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
        Assert.That(outcome.Record.Attempts, Is.Zero);
        Assert.That(source.Connections, Is.Zero, "both sides are prepared before the source is opened");
    }
}
