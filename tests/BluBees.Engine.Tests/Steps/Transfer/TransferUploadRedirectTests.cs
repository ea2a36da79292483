using System.Collections.Concurrent;
using System.Globalization;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// The upload's own answer decides a transfer: a redirect of it is never followed. A same-origin 307/308 (or a 301 of
/// a PUT) needed the streamed body again and failed as <c>invalid_url</c>; a 301/302 of a POST, or a 303, was followed
/// as a GET whose 200 recorded the transfer as succeeded (<c>ok: true</c>) although the destination stored nothing
/// it said so. Now every 3xx there fails the step with <c>unexpected_status</c> and nothing else is requested.
/// </summary>
public sealed class TransferUploadRedirectTests
{
    private static string Step(Uri from, Uri to, string method) => $$"""
        { "id": "copy", "type": "transfer",
          "source": { "url": "{{from}}" },
          "destination": { "url": "{{to}}", "method": "{{method}}" } }
        """;

    [TestCase(307, "PUT", true)]
    [TestCase(308, "POST", true)]
    [TestCase(307, "PUT", false)]
    [TestCase(301, "PUT", true)]
    [TestCase(301, "POST", true)]
    [TestCase(302, "POST", true)]
    [TestCase(302, "PATCH", true)]
    [TestCase(303, "POST", true)]
    [TestCase(303, "PUT", true)]
    [TestCase(302, "POST", false)]
    public async Task A_redirect_of_the_upload_is_not_followed_and_fails_as_unexpected_status(int status, string method, bool readBodyFirst)
    {
        await using var source = new GeneratedSource(256 * 1024);
        var seen = new ConcurrentQueue<RequestHead>();
        await using var destination = new StreamingLoopback(async (head, _, stream, ct) =>
        {
            seen.Enqueue(head);
            if (head.Target != "/upload")
            {
                await StreamingLoopback.WriteHeadAsync(stream, 200, 0, ct); // any other address answers 200 to anything
                await stream.FlushAsync(ct);
                return;
            }

            // Answered after the whole body, or at once (then the body is still read, so the socket closes cleanly).
            var length = long.Parse(head.Header("Content-Length")!, CultureInfo.InvariantCulture);
            if (readBodyFirst)
            {
                await DrainAsync(stream, length, ct);
            }

            await StreamingLoopback.WriteHeadAsync(stream, status, 0, ct, ("Location", "/stored"));
            await stream.FlushAsync(ct);
            if (!readBodyFirst)
            {
                await DrainAsync(stream, length, ct);
            }
        });
        using var kit = new TransferKit();

        var outcome = await kit.RunAsync(TransferKit.Compile(Step(source.Url(), destination.Url("/upload"), method)));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.UnexpectedStatus));
            Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo("destination"));
            Assert.That(outcome.Record.StatusCode, Is.EqualTo(status));
            Assert.That(outcome.Output, Is.Null, "no ok: true for later steps");
        });
        Assert.That(seen.Select(h => h.Method + " " + h.Target), Is.EqualTo(new[] { method + " /upload" }), "only the upload was sent");
    }

    private static async Task DrainAsync(Stream stream, long length, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        for (var left = length; left > 0;)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
            if (n == 0)
            {
                return;
            }

            left -= n;
        }
    }
}
