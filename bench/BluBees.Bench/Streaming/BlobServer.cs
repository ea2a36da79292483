using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using BluBees.Bench.Harness;

namespace BluBees.Bench.Streaming;

/// <summary>
/// The two loopback ends of part 2, in the parent process (so their memory is not the transfer's): a source
/// (<c>GET /blob/{bytes}</c>) generating a deterministic body (a 1 MiB random block, each copy stamped with
/// its index: nothing stored) and a sink (<c>PUT /upload/{id}</c>) that reads the body as it arrives. Both
/// hash what they wrote or read with SHA-256, so every transfer is checked byte-exact.
/// </summary>
internal sealed class BlobServer : IAsyncDisposable
{
    public const string ContentType = "application/x-bench-blob";
    private const int Block = 1024 * 1024;
    private static readonly byte[] Pattern = RandomNumberGenerator.GetBytes(Block);
    private readonly ConcurrentDictionary<string, string> _sent = new();
    private readonly ConcurrentDictionary<string, Received> _received = new();
    private LoopbackServer? _server;

    public Uri Address => _server!.Address;

    public static async Task<BlobServer> StartAsync()
    {
        var blobs = new BlobServer();
        blobs._server = await LoopbackServer.StartAsync(blobs.HandleAsync);
        return blobs;
    }

    public Uri SourceUrl(long bytes, string id) => new(Address, string.Create(CultureInfo.InvariantCulture, $"/blob/{bytes}?id={id}"));

    public Uri SinkUrl(string id) => new(Address, "/upload/" + id);

    /// <summary>What the source sent and the sink received for one transfer id (null when it did not finish).</summary>
    public (string? SentHash, Received? Received) Outcome(string id) => (_sent.GetValueOrDefault(id), _received.GetValueOrDefault(id));

    private Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        return context.Request.Method switch
        {
            "GET" when path.StartsWith("/blob/", StringComparison.Ordinal) => SendAsync(context, long.Parse(path["/blob/".Length..], CultureInfo.InvariantCulture)),
            "PUT" when path.StartsWith("/upload/", StringComparison.Ordinal) => ReceiveAsync(context, path["/upload/".Length..]),
            _ => Status(context, 404),
        };
    }

    private async Task SendAsync(HttpContext context, long bytes)
    {
        var id = context.Request.Query["id"].ToString();
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = bytes;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = (byte[])Pattern.Clone();
        long sent = 0;
        for (long index = 0; sent < bytes; index++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(block, index);
            var n = (int)Math.Min(Block, bytes - sent);
            await context.Response.Body.WriteAsync(block.AsMemory(0, n), context.RequestAborted);
            hash.AppendData(block, 0, n);
            sent += n;
        }

        _sent[id] = Convert.ToHexString(hash.GetHashAndReset());
    }

    private async Task ReceiveAsync(HttpContext context, string id)
    {
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[128 * 1024];
        long total = 0;
        int n;
        while ((n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }

        _received[id] = new Received(
            total, Convert.ToHexString(hash.GetHashAndReset()), context.Request.ContentType, context.Request.ContentLength,
            System.Diagnostics.Stopwatch.GetElapsedTime(started));
        await Status(context, 201);
    }

    private static Task Status(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>What the sink saw of one upload.</summary>
    internal sealed record Received(long Bytes, string Hash, string? ContentType, long? ContentLength, TimeSpan Duration);
}
