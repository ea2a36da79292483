using System.Diagnostics;

namespace BluBees.Bench.Harness;

/// <summary>
/// The loopback third party: answers every request 200 <c>{}</c> as fast as Kestrel can, counts requests, and
/// records the arrival time of the event id in the path's last segment (<c>.../&lt;phase&gt;.&lt;index&gt;</c>)
/// into the current <see cref="ArrivalRecorder"/>.
/// </summary>
internal sealed class Sink : IAsyncDisposable
{
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private LoopbackServer? _server;
    private volatile ArrivalRecorder? _recorder;
    private long _requests;

    public Uri Address => _server!.Address;

    public long Requests => Interlocked.Read(ref _requests);

    public static async Task<Sink> StartAsync()
    {
        var sink = new Sink();
        sink._server = await LoopbackServer.StartAsync(sink.HandleAsync);
        return sink;
    }

    /// <summary>Routes arrivals of <paramref name="recorder"/>'s phase to it from now on.</summary>
    public void Record(ArrivalRecorder recorder) => _recorder = recorder;

    private async Task HandleAsync(HttpContext context)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _requests);
        var path = context.Request.Path.Value ?? string.Empty;
        var last = path.AsSpan(path.LastIndexOf('/') + 1);
        var dot = last.IndexOf('.');
        if (dot > 0 && _recorder is { } recorder
            && int.TryParse(last[..dot], out var phase) && int.TryParse(last[(dot + 1)..], out var index))
        {
            recorder.Arrived(phase, index, now);
        }

        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = EmptyObject.Length;
        await context.Response.Body.WriteAsync(EmptyObject, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
