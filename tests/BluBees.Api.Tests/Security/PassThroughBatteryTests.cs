using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Egress;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// A battery of rules — success, 4xx, 5xx, timeout, template error, blocked destination, an exception thrown
/// mid-step — fired by events that carry canary payloads, over connections whose secrets are canaries.
/// Afterwards no canary is in any stored item, file, log line (any level), API response or exception text.
/// </summary>
public sealed class PassThroughBatteryTests
{
    private const string ExplodingHost = "explode.invalid";
    private readonly List<string> _apiResponses = [];
    private readonly string _resolverCanary = Samples.Canary("exception");

    [Test]
    public async Task No_canary_survives_a_battery_of_successes_and_failures()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var thirdParty = await ThirdPartyApi.StartAsync();
        thirdParty.Respond = r => r.Path.Contains("/notfound/", StringComparison.Ordinal) ? (404, """{"error":"nope"}""")
            : r.Path.Contains("/fail/", StringComparison.Ordinal) ? (503, """{"error":"down"}""")
            : (200, """{"ok":true}""");
        await using var slow = await LoopbackServer.StartAsync(async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted).ContinueWith(_ => { });
            context.Response.StatusCode = 200;
        });
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>(BackendHost.FrameworkTrace), s => s.AddSingleton<IEgressResolver>(new ExplodingResolver(_resolverCanary)));
        var tenant = Samples.NewTenant();
        var secrets = new List<string>();

        async Task<string> Connection(Uri baseUrl, string type)
        {
            var secret = Samples.Canary("secret");
            secrets.Add(secret);
            var body = Samples.Connection(baseUrl, secret, type);
            return (await Json(backend, HttpMethod.Post, "/api/connections", tenant, body, 201))["id"]!.GetValue<string>();
        }

        async Task Rule(string name, string? connection, Action<JsonObject> step)
        {
            var rule = Samples.Rule(connection ?? "conn_unused");
            rule["name"] = name;
            var s = (JsonObject)rule["steps"]![0]!;
            step(s);
            if (connection is null)
            {
                s.Remove("connection");
            }

            await Json(backend, HttpMethod.Post, "/api/rules", tenant, rule, 201);
        }

        var ok = await Connection(thirdParty.Address, "bearer");
        await Rule("success", ok, s => s["path"] = "/ok/{{ issue.key }}");
        await Rule("client error", await Connection(thirdParty.Address, "apiKey"), s => s["path"] = "/notfound/{{ issue.key }}");
        await Rule("server error", await Connection(thirdParty.Address, "basic"), s => s["path"] = "/fail/{{ issue.key }}");
        await Rule("timeout", await Connection(slow.Address, "bearer"), s => { s["path"] = "/slow"; s["timeoutSeconds"] = 1; });
        await Rule("template error", ok, s => s["path"] = "/ok/{{ issue.fields.storyPoints | divided_by: 0 }}");
        await Rule("blocked", null, s => { s["url"] = "http://169.254.169.254/latest/meta-data/{{ issue.key }}"; s.Remove("path"); s.Remove("query"); });
        await Rule("exception", await Connection(new Uri($"http://{ExplodingHost}:{thirdParty.Address.Port}"), "bearer"), s => s["path"] = "/boom");

        var payloads = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var canary = Samples.Canary("payload");
            payloads.Add(canary);
            var evt = Samples.Event($"OPS-{700 + i}", "Summary " + canary);
            evt["issue"]!["fields"]!["description"] = "Secret plans " + canary;
            using var response = await backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, evt);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var runs = await Waits.UntilAsync(() => Json(backend, HttpMethod.Get, "/api/runs?limit=100", tenant), r => r["items"]!.AsArray().Count >= 21, TimeSpan.FromSeconds(30));
        var categories = runs["items"]!.AsArray().Select(r => r!["steps"]![0]!["errorCategory"]?.GetValue<string>() ?? "none").ToHashSet();
        Assert.That(categories, Is.SupersetOf(new[] { "none", "http_4xx", "http_5xx", "timeout", "template_error", "blocked_destination" }));
        Assert.That(categories.Overlaps(["connection_failed", "internal_error"]), Is.True, "the exploding resolver made a step fail");
        foreach (var run in runs["items"]!.AsArray())
        {
            await Json(backend, HttpMethod.Get, $"/api/runs/{run!["id"]}", tenant);
        }

        await Json(backend, HttpMethod.Get, "/api/connections", tenant);
        await Json(backend, HttpMethod.Get, "/api/rules", tenant);
        await Json(backend, HttpMethod.Post, "/api/rules/dry-run", tenant, new JsonObject
        {
            ["rule"] = (JsonObject)JsonNode.Parse(Samples.Rule(ok).ToJsonString())!,
            ["event"] = Samples.Event("OPS-799", "Dry " + payloads[0]),
        }, 200, payloadAllowed: true);

        var store = string.Join('\n', await backend.DumpStoreAsync());
        var files = backend.DumpDataDirectory();
        var logs = backend.Logs.AllText;
        var responses = string.Join('\n', _apiResponses);
        Assert.That(store, Does.Contain("http_5xx"), "the dump sees the run records");
        Assert.That(logs, Does.Contain("Trace").Or.Contain("Debug"), "logging captured every level");
        foreach (var canary in payloads.Concat(secrets).Append(_resolverCanary))
        {
            Assert.That(store, Does.Not.Contain(canary), "stored items");
            Assert.That(files, Does.Not.Contain(canary), "files in the data directory");
            Assert.That(logs, Does.Not.Contain(canary), "log lines and exception texts");
            Assert.That(responses, Does.Not.Contain(canary), "API responses");
        }

        var written = Directory.EnumerateFiles(backend.DataDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(backend.DataDirectory, f)).Order().ToArray();
        // Each tenant's key share (tenant-keys/<SHA-256 of the tenant id>, 32 random bytes) lies beside the ring.
        // The tenants' shares (tenant-keys/<64 hex>) and their secrets' shares (tenant-keys/<64 hex>.secrets/<32 hex>).
        var shares = written.Where(f => Path.GetDirectoryName(f) == "tenant-keys"
            || System.Text.RegularExpressions.Regex.IsMatch(Path.GetDirectoryName(f) ?? "", "^tenant-keys/[0-9a-f]{64}\\.secrets$")).ToArray();
        Assert.That(shares.Select(f => Path.GetDirectoryName(f) == "tenant-keys" ? Path.GetFileName(f) : "secret:" + Path.GetFileName(f)),
            Has.All.Matches("^([0-9a-f]{64}|secret:[0-9a-f]{32})$"));
        Assert.That(shares.Select(f => new FileInfo(Path.Combine(backend.DataDirectory, f)).Length), Has.All.EqualTo(32));
        Assert.That(written.Except(shares), Is.SubsetOf(new[] { "blubees.db", "blubees.db-shm", "blubees.db-wal", "blubees.db.lock", "keyring.json" }), "nothing but the store, the worker's (empty) lock file, the key file and the tenants' key shares is written");
    }

    [Test]
    public async Task No_client_address_is_stored_or_logged()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>(BackendHost.FrameworkTrace));
        const string clientAddress = "127.0.0.77";
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse(clientAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = backend.Address };
        var tenant = Samples.NewTenant();
        foreach (var (method, path, body, token) in new[]
        {
            (HttpMethod.Get, "/health", (string?)null, (string?)null),
            (HttpMethod.Get, "/api/rules", null, issuer.Mint(tenant)),
            (HttpMethod.Get, "/api/rules", null, "bad-token"),
            (HttpMethod.Post, "/forge/events", Samples.Event("OPS-800", "ip").ToJsonString(), issuer.MintFor("/forge/events", tenant)),
            (HttpMethod.Post, "/api/rules", "{broken", issuer.Mint(tenant)),
        })
        {
            using var request = new HttpRequestMessage(method, path);
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.LessThan(500));
        }

        await Task.Delay(200);
        Assert.That(backend.Logs.Lines, Is.Not.Empty);
        Assert.That(backend.Logs.AllText, Does.Not.Contain(clientAddress));
        Assert.That(string.Join('\n', await backend.DumpStoreAsync()), Does.Not.Contain(clientAddress));
    }

    private async Task<JsonNode> Json(BackendHost backend, HttpMethod method, string path, string tenant, object? body = null, int expected = 200, bool payloadAllowed = false)
    {
        using var response = await backend.SendAsync(method, path, tenant, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(expected), $"{method} {path}: {text}");
        if (!payloadAllowed)
        {
            _apiResponses.Add(text);
        }

        return JsonNode.Parse(text)!;
    }

    /// <summary>Resolves normally, except one host whose lookup throws an exception carrying a canary.</summary>
    private sealed class ExplodingResolver(string canary) : IEgressResolver
    {
        public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
            => host == ExplodingHost
                ? throw new InvalidOperationException("resolver exploded near " + canary)
                : IPAddress.TryParse(host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(host, ct);
    }
}
