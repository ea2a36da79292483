using System.Collections.Concurrent;
using System.Text;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// A loopback Jira that serves attachments as Jira Cloud does: <c>GET /jira/rest/api/3/attachment/content/{id}</c> with
/// the accepted bearer token answers 303 with a <c>Location</c> on another host (the media host); an unknown id 404; a
/// wrong token 401. It records every request head.
/// </summary>
internal sealed class FakeJiraAttachments : IAsyncDisposable
{
    public const string Prefix = "/jira/rest/api/3/attachment/content/";
    private readonly StreamingLoopback _server;

    public FakeJiraAttachments(string acceptedToken, IReadOnlyDictionary<string, Uri> attachments)
    {
        _server = new StreamingLoopback(async (head, _, stream, ct) =>
        {
            Requests.Enqueue(head);
            var (status, location) = head.Header("Authorization") != "Bearer " + acceptedToken ? (401, null)
                : head.Method == "GET" && head.Target.StartsWith(Prefix, StringComparison.Ordinal)
                    && attachments.TryGetValue(head.Target[Prefix.Length..], out var media) ? (303, media)
                : (404, (Uri?)null);
            var body = Encoding.UTF8.GetBytes(status == 303 ? string.Empty : """{"errorMessages":["nope"]}""");
            var headers = location is null ? [("Content-Type", "application/json")] : new[] { ("Location", location.ToString()) };
            await StreamingLoopback.WriteHeadAsync(stream, status, body.Length, ct, headers);
            await stream.WriteAsync(body, ct);
            await stream.FlushAsync(ct);
        });
    }

    public ConcurrentQueue<RequestHead> Requests { get; } = new();

    public int Connections => _server.Connections;

    /// <summary>The site's base URL, as <c>Jira:ApiBaseUrlOverride</c> takes it.</summary>
    public Uri BaseUrl => _server.Url("/jira");

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
