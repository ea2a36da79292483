using System.Text;
using BluBees.Api.Tests.Harness;
using BluBees.Cli;
using BluBees.Cli.Support;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// The CLI reads at most 16 MiB of one answer (HttpClient's default is 2 GB): a server at --url answering without end
/// (a wrong port, a proxy) must not fill the operator's memory. A 64 MiB answer here, valid JSON, which the old
/// client read whole and printed as the backend's; the error names the request's path, never its token.
/// </summary>
public sealed class CliResponseCapTests
{
    private const int AnswerBytes = 64 * 1024 * 1024;

    /// <summary>A server answering every request with 64 MiB of JSON, streamed without a length, in 64 KiB writes.</summary>
    private static Task<LoopbackServer> HugeAnswerServerAsync() => LoopbackServer.StartAsync(async context =>
    {
        context.Response.ContentType = "application/json";
        var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
        await context.Response.Body.WriteAsync("{\"items\":[],\"pad\":\""u8.ToArray(), context.RequestAborted);
        for (var written = 0; written < AnswerBytes; written += chunk.Length)
        {
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }

        await context.Response.Body.WriteAsync("\"}"u8.ToArray(), context.RequestAborted);
    });

    [Test]
    public async Task A_huge_answer_is_refused_past_the_cap_naming_the_path_not_the_token()
    {
        await using var server = await HugeAnswerServerAsync();
        var directory = Directory.CreateTempSubdirectory("blubees-cli-cap-").FullName;
        try
        {
            DevTokenIssuer.LoadOrCreate(directory).Dispose(); // the CLI signs its token locally, as beside a dev backend

            var (code, stdout, stderr) = await CliProcess.RunAsync("rule", "list", "--url", server.Address.ToString(), "--data-dir", directory);

            var output = stdout + stderr;
            Assert.That(code, Is.Not.Zero, "before, the 64 MiB answer was read whole and listed as the backend's");
            Assert.That(output, Does.Contain("/api/rules").And.Contain("16 MiB").And.Not.Contain("Unhandled exception"), output.Length > 2000 ? output[..2000] : output);
            Assert.That(output, Does.Not.Contain("eyJ"), "no token (a JWT starts eyJ) in the error");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task Support_runs_refuses_a_huge_answer_past_the_cap()
    {
        await using var server = await HugeAnswerServerAsync();
        var tenant = Samples.NewTenant();
        var args = new CliArgs(["support", "runs", "--tenant", tenant, "--token-env", "BLUBEES_SUPPORT_TOKEN", "--url", server.Address.ToString()]);

        var error = await Assert.ThrowsAsync<CliException>(() => SupportCommands.RunsAsync(args, TextWriter.Null, name => name == "BLUBEES_SUPPORT_TOKEN" ? "support-token-canary" : null));

        Assert.That(error!.Message, Does.Contain("/support/tenants/").And.Contain("16 MiB").And.Not.Contain("support-token-canary"));
    }
}
