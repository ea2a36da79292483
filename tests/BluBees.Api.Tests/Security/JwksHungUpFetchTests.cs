using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BluBees.Api.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The JWKS fetch is shared by every tenant's requests. Before, it ran on the cancellation token of the request that
/// started it: a caller with an invented kid (no valid token needed, the kid is read before the signature) that hung
/// up at once cancelled the fetch, the cooldown began with no keys fetched, and every other tenant's token was
/// refused (401) until the next fetch — which the same caller could cancel again. Now the fetch runs on its own
/// deadline and each caller waits for it on its own token only.
/// </summary>
public sealed class JwksHungUpFetchTests
{
    [Test]
    public async Task A_caller_hanging_up_during_the_fetch_does_not_cancel_it_for_another_tenants_request()
    {
        using var rsa = RSA.Create(2048);
        await using var server = new HeldJwksServer(JwksDocuments.Of("k1", rsa));
        using var cache = new JwksCache(new LoopbackClientFactory(), Options.Create(new ForgeOptions { JwksUrl = server.Url }), TimeProvider.System, NullLogger<JwksCache>.Instance);

        // Tenant A's request (an invented kid) starts the fetch, which the server holds, then hangs up.
        using var hangUp = new CancellationTokenSource();
        var a = cache.GetKeyAsync("invented", hangUp.Token).AsTask();
        await server.Requested.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await hangUp.CancelAsync();
        try
        {
            Assert.That(await a, Is.Null, "the invented kid is not a key");
        }
        catch (OperationCanceledException)
        {
            // the caller that hung up stops waiting
        }

        // Tenant B's request, with the real kid, while the server still holds the fetch.
        var b = cache.GetKeyAsync("k1", CancellationToken.None).AsTask();
        Assert.That(b.IsCompleted, Is.False, "B waits for the fetch under way (it was refused at once when A's hang-up had cancelled it)");

        server.Release.SetResult();
        Assert.That(await b.WaitAsync(TimeSpan.FromSeconds(30)), Is.Not.Null, "B gets the key the fetch brought");
        Assert.That((server.Connections, cache.FetchCount), Is.EqualTo((1, 1)), "still one fetch");
    }

    private sealed class LoopbackClientFactory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new SocketsHttpHandler(), disposeHandler: true);
    }

    /// <summary>A loopback HTTP server that reads a request and answers the JWKS only when the test releases it.</summary>
    private sealed class HeldJwksServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly string _jwks;
        private readonly Task _loop;
        private int _connections;

        public HeldJwksServer(string jwks)
        {
            _jwks = jwks;
            _listener.Start();
            _loop = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/jwks.json";
        public TaskCompletionSource Requested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _connections);
                    _ = ServeAsync(client);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // stopped
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                var read = new StringBuilder();
                while (!read.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer);
                    if (n == 0)
                    {
                        return;
                    }

                    read.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                Requested.TrySetResult();
                await Release.Task;

                var body = Encoding.UTF8.GetBytes(_jwks);
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                try
                {
                    await stream.WriteAsync(head);
                    await stream.WriteAsync(body);
                    await stream.FlushAsync();
                }
                catch (IOException)
                {
                    // the client hung up
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            Release.TrySetResult();
            _listener.Stop();
            await _loop;
        }
    }
}
