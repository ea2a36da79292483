using System.Text;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// A client that sends a write's head and part of its body — fewer bytes than its <c>Content-Length</c>, or chunks
/// without the last one — and then ends its side of the connection (a TCP half-close: a crashed client, a proxy giving
/// up), on every route that changes something (every POST, PUT, PATCH and DELETE of the endpoint table: the routes
/// that read a body and those that take none). Whatever answer goes out is a 4xx (Kestrel takes the half-close as the
/// client gone, so there is usually none); nothing of the request is kept (the store is as before, no run is queued);
/// and nothing is logged as if it were a bug: no Error or Critical line, no stack trace at any level. The reset
/// (RST) variant is <see cref="Security.ClientAbortTests"/>.
/// </summary>
public sealed class HalfClosedBodyTests : EveryRouteEdgeInputFixture
{
    /// <summary>Kestrel's 'Request finished' (Information) tells when each cut request's handling is over.</summary>
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["OpenApi:Enabled"] = "true",
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
    };

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_body_cut_short_by_a_half_close_on_every_write_route_gets_no_2xx_keeps_nothing_and_logs_no_error(bool chunked)
    {
        var part = "{\"name\":\"" + Canary;
        var (framing, body) = chunked
            ? ("Transfer-Encoding: chunked\r\n", $"{Encoding.UTF8.GetByteCount(part):x}\r\n{part}\r\n")
            : ($"Content-Length: {Encoding.UTF8.GetByteCount(part) + 100}\r\n", part);
        var routes = Routes().Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE").ToList();
        var before = await Backend.DumpStoreAsync();
        var queued = await QueueRowsAsync();
        var logged = Backend.Logs.Lines.Count;
        var finished = Finished();
        var failures = new List<string>();
        foreach (var (method, template) in routes)
        {
            await using var raw = await SendAsync(method, template, framing, body);
            raw.EndSending();
            var answer = await raw.ReadAsync();
            if (answer is { Status: < 400 or >= 500 })
            {
                failures.Add($"{method} {template}: {answer.Status} {Cut(answer.Body)}");
            }
        }

        Assert.That(routes, Has.Count.GreaterThan(20), "every write route was tried");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        Assert.That(await Waits.UntilAsync(() => Task.FromResult(Finished()), n => n >= finished + routes.Count), Is.GreaterThanOrEqualTo(finished + routes.Count), "every cut request ended");
        Assert.That(await Backend.DumpStoreAsync(), Is.EquivalentTo(before), "nothing of a cut request is kept");
        Assert.That(await QueueRowsAsync(), Is.EqualTo(queued), "no run is queued");
        var lines = Backend.Logs.Lines.Skip(logged).ToList();
        Assert.That(lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal) || l.Contains("\n   at ", StringComparison.Ordinal)), Is.Empty, "nothing logged as a bug");
        Assert.That(lines, Has.None.Contains(Canary), "nothing of the body is logged");
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

    private async Task<RawHttp> SendAsync(string method, string template, string framing, string body)
    {
        var path = Fill(template);
        using var request = Request(new HttpMethod(method), path, template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\nContent-Type: application/json\r\nx-forge-oauth-system: system-token\r\n");
        foreach (var header in request.Headers)
        {
            head.Append(header.Key).Append(": ").Append(string.Join(", ", header.Value)).Append("\r\n");
        }

        var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync(head.Append(framing).Append("\r\n").Append(body).ToString());
        return raw;
    }
}
