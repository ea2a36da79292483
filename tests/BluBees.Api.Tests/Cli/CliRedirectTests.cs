using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Support;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// The CLI never follows a redirect: HttpClient's default would re-send a 307's body — a connection's secret — and
/// every header but Authorization to whatever origin the Location names. A 3xx is an error naming the status, and
/// the other origin receives nothing.
/// </summary>
public sealed class CliRedirectTests
{
    private readonly ConcurrentQueue<(string Method, string Path, string? Authorization, string Body)> _elsewhere = new();

    private async Task<(LoopbackServer Front, LoopbackServer Elsewhere)> StartAsync()
    {
        var elsewhere = await LoopbackServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            _elsewhere.Enqueue((context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.Headers.Authorization.ToString(), await reader.ReadToEndAsync()));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":"conn_elsewhere","items":[]}""");
        });

        // Another origin (its own port): a 307 keeps method and body, so HttpClient would POST the body there again.
        var front = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = new Uri(elsewhere.Address, context.Request.Path + context.Request.QueryString).ToString();
            return Task.CompletedTask;
        });
        return (front, elsewhere);
    }

    [Test]
    public async Task Connection_create_does_not_send_the_secret_on_to_the_origin_a_307_names()
    {
        var (front, elsewhere) = await StartAsync();
        await using var _ = front;
        await using var __ = elsewhere;
        var directory = Directory.CreateTempSubdirectory("blubees-cli-redirect-").FullName;
        try
        {
            DevTokenIssuer.LoadOrCreate(directory).Dispose(); // the CLI signs its token locally, as beside a dev backend
            var secret = Samples.Canary("secret");
            var connection = Samples.Connection(new Uri("https://sink.example"), secret);
            connection["name"] = "Sink";
            var file = Path.Combine(directory, "connection.json");
            await File.WriteAllTextAsync(file, connection.ToJsonString());

            var (code, output) = await RunCliAsync("connection", "create", file, "--url", front.Address.ToString(), "--data-dir", directory);

            Assert.That(_elsewhere, Is.Empty, "nothing reaches the origin the redirect names: " + string.Join(" | ", _elsewhere.Select(r => $"{r.Method} {r.Path} {r.Body}")));
            Assert.That(code, Is.Not.Zero, output);
            Assert.That(output, Does.Contain("307").And.Contain("redirect").And.Not.Contain("Unhandled exception"), output);
            Assert.That(output, Does.Not.Contain(secret));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Support_runs_does_not_follow_a_redirect_to_another_origin()
    {
        var (front, elsewhere) = await StartAsync();
        await using var _ = front;
        await using var __ = elsewhere;
        var args = new CliArgs(["support", "runs", "--tenant", Samples.NewTenant(), "--token-env", "BLUBEES_SUPPORT_TOKEN", "--url", front.Address.ToString()]);

        var error = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(args, TextWriter.Null, name => name == "BLUBEES_SUPPORT_TOKEN" ? "support-token-canary" : null));

        Assert.That(_elsewhere, Is.Empty, "the CLI asked the other origin: " + string.Join(" | ", _elsewhere.Select(r => $"{r.Method} {r.Path} auth='{r.Authorization}'")));
        Assert.That(error!.Message, Does.Contain("307"));
    }

    private static async Task<(int Code, string Output)> RunCliAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(args);
        return (code, stdout + stderr);
    }
}
