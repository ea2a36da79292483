using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Queue;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The proxy variables of the environment (<c>HTTP_PROXY</c>, <c>HTTPS_PROXY</c>, <c>ALL_PROXY</c>, lower case too) do
/// not route tenant traffic: a proxy would receive the request instead of the guard's connect callback, and a proxy that
/// the guard allows would then connect wherever the request names (an internal name, a metadata address), after every
/// check. The backend runs as its own process, because .NET reads these variables once per process.
/// </summary>
[NonParallelizable]
public sealed class ProxyEnvironmentTests() : ChildProcessTests("proxy-env")
{
    [Test]
    public async Task Proxy_variables_in_the_environment_do_not_carry_a_steps_request()
    {
        using var proxy = new ConnectionCounter();
        var received = 0;
        await using var api = await LoopbackServer.StartAsync(ctx =>
        {
            Interlocked.Increment(ref received);
            ctx.Response.StatusCode = StatusCodes.Status201Created;
            return Task.CompletedTask;
        });
        var proxyUrl = $"http://127.0.0.1:{proxy.Port}";
        var settings = new Dictionary<string, string>();
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" })
        {
            settings[name] = proxyUrl;
        }

        settings["NO_PROXY"] = "";
        settings["no_proxy"] = "";
        var tenant = Samples.NewTenant();

        await using var backend = await BackendProcess.StartAsync(DataDirectory, settings);
        var connection = await backend.JsonAsync(HttpMethod.Post, "/api/connections", tenant, Samples.Connection(api.Address, "proxy-secret-1"));
        await backend.JsonAsync(HttpMethod.Post, "/api/rules", tenant, Samples.Rule(connection["id"]!.GetValue<string>()));
        using (var accepted = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-7", "through no proxy")))
        {
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(
            async () => (await backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), r => r.Count > 0, Generous);

        Assert.Multiple(() =>
        {
            Assert.That(runs.Single()!["status"]!.GetValue<string>(), Is.EqualTo("succeeded"), runs.ToJsonString());
            Assert.That(Volatile.Read(ref received), Is.EqualTo(1), "the step reached the third party directly");
            Assert.That(proxy.Connections, Is.Zero, "nothing went to the proxy the environment names");
        });
    }

    /// <summary>A listener that counts the connections it accepts and closes each at once.</summary>
    private sealed class ConnectionCounter : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _connections;

        public ConnectionCounter()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public void Dispose() => _listener.Stop();

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
