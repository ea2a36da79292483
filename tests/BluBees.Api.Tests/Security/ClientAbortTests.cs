using System.Net;
using System.Net.Sockets;
using System.Text;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// A client that sends a POST or PUT's headers and part of its body, then resets the connection (a browser tab closed,
/// Forge's invokeRemote timing out, a proxy dropping it): the backend logs no Error, keeps nothing of the request
/// (no rule, connection or webhook, no queued event) and goes on answering. Raw sockets against the app on Kestrel.
/// </summary>
public sealed class ClientAbortTests : BackendFixture
{
    private const string PartialBody = """{"name":"Half sent","trigger":{"type":"event","events":["avi:jira:updated:issue"]},"steps":[""";

    private static readonly string[] Routes =
    [
        "POST /api/rules", "PUT /api/rules/{rule}", "POST /api/rules/dry-run", "POST /api/rules/{rule}/dry-run", "POST /api/rules/validate",
        "POST /api/rules/{rule}/run", "POST /api/connections", "PUT /api/connections/{connection}", "POST /api/webhooks",
        "POST /forge/events", "POST /forge/lifecycle", "POST /forge/uninstall", "POST /forge/webhook?hook={hook}",
    ];

    /// <summary>Kestrel's 'Request finished' (Information) tells when the cut request's handling is over.</summary>
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" };

    [Test]
    public async Task A_body_cut_by_a_connection_reset_logs_no_error_keeps_nothing_and_the_backend_stays_healthy(
        [ValueSource(nameof(Routes))] string route, [Values(false, true)] bool chunked)
    {
        var tenant = Samples.NewTenant();
        var connection = await CreateConnectionAsync(tenant);
        var rule = (await CreateRuleAsync(tenant, Samples.Rule(connection)))["id"]!.GetValue<string>();
        var hook = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new System.Text.Json.Nodes.JsonObject { ["name"] = "hook" }, 201))["id"]!.GetValue<string>();
        var (method, target) = (route.Split(' ')[0], route.Split(' ')[1].Replace("{rule}", rule).Replace("{connection}", connection).Replace("{hook}", hook));
        var before = await Backend.DumpStoreAsync();
        var queued = await QueueRowsAsync();
        var finished = Finished();

        await SendHalfAndResetAsync(method, target, tenant, chunked);

        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Finished()), n => n > finished), Is.GreaterThan(finished), "the cut request ended");
        Assert.That(Backend.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)), Is.Empty);
        Assert.That(await Backend.DumpStoreAsync(), Is.EquivalentTo(before), "nothing of the cut request is kept");
        Assert.That(await QueueRowsAsync(), Is.EqualTo(queued), "no event queued");
        using var health = await Backend.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var list = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private int Finished() => Backend.Logs.Lines.Count(l => l.Contains("Request finished", StringComparison.Ordinal));

    private async Task<long> QueueRowsAsync()
    {
        var path = Backend.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BluBees.Engine.Storage.StorageOptions>>().Value.SqlitePath;
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM run_queue";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task SendHalfAndResetAsync(string method, string target, string tenant, bool chunked)
    {
        var path = target.Split('?')[0];
        var now = Backend.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var token = Issuer.Mint(TestIssuer.ForRoute(path, tenant), now: now);
        var head = new StringBuilder()
            .Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(Backend.Client.BaseAddress!.Authority).Append("\r\n")
            .Append("Authorization: Bearer ").Append(token).Append("\r\n")
            .Append(FakeJira.UserTokenHeader).Append(": ").Append(Backend.Jira.UserTokenFor("557058:admin")).Append("\r\n")
            .Append("x-forge-oauth-system: system-token\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append(chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: 4000\r\n\r\n")
            .Append(chunked ? $"{Encoding.UTF8.GetByteCount(PartialBody):x}\r\n{PartialBody}\r\n" : PartialBody);
        using var socket = new TcpClient();
        await socket.ConnectAsync(Backend.Client.BaseAddress.Host, Backend.Client.BaseAddress.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()));
        await stream.FlushAsync();
        socket.LingerState = new LingerOption(true, 0); // the close is a reset (RST), not an orderly end of the body
        socket.Close();
    }
}
