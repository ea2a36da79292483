using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BluBees.Api.Tests.Cli;

/// <summary>
/// The CLI's long-running servers (<c>blubees jira</c>, <c>blubees sink</c>) stop on SIGTERM, as a service manager, a
/// script's <c>kill</c> or a CI job's clean-up sends it, and on SIGINT. <c>blubees jira</c> waited only for Ctrl+C
/// from a terminal, so the test script's clean-up left it running after every run (a background job of a
/// non-interactive shell ignores SIGINT, and it did not listen for SIGTERM).
/// </summary>
public sealed class CliServerStopTests
{
    [TestCase("jira", "TERM")]
    [TestCase("jira", "INT")]
    [TestCase("sink", "TERM")]
    public async Task A_cli_server_stops_on_a_signal(string command, string signal)
    {
        var port = FreePort();
        // Through env, which resets SIGINT to its default and execs dotnet (same process id): a test run started as a
        // background job of a non-interactive shell inherits SIGINT ignored, and .NET keeps an inherited ignore of SIGINT
        // (as a background job should), so the INT case would test the runner's shell, not the server.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "blubees.dll"));
        start.ArgumentList.Add(command);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(start)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.That(await AnswersAsync(port, process), Is.True, "the server never answered");

            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            var exited = process.WaitForExitAsync();
            Assert.That(await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(30))), Is.SameAs(exited), $"blubees {command} did not stop on SIG{signal}");
            Assert.That(await stdout, Does.Contain("Ctrl+C"), "its banner: " + await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>Whether the server answers an HTTP request within a minute (false when it exited first).</summary>
    private static async Task<bool> AnswersAsync(int port, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600 && !process.HasExited; attempt++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                return true;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
