using System.Diagnostics;
using BluBees.Api.Tests.Queue;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// A start the backend refuses on purpose (another backend on the same database, configuration that does not validate)
/// ends the process with exit code 2 and one line on stderr that says why, as an operator running
/// <c>dotnet run --project src/BluBees.Api</c> reads it: not the runtime's "Unhandled exception", a stack trace and an
/// abort (exit 134). The real backend, as its own process.
/// </summary>
public sealed class StartRefusalProcessTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_second_backend_on_the_same_database_exits_2_saying_another_backend_is_running()
    {
        var data = Path.Combine(Path.GetTempPath(), "blubees-refusal-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var first = await BackendProcess.StartAsync(data);
            var (code, stderr) = await RunToExitAsync(data, new Dictionary<string, string>());
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(2), stderr);
                Assert.That(stderr, Does.Contain("error: the backend did not start: Another backend is running on the database"));
                Assert.That(stderr, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "));
                Assert.That(first.HasExited, Is.False, "the running backend is untouched");
            });
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Test]
    public async Task Configuration_that_does_not_validate_exits_2_naming_the_setting()
    {
        var data = Path.Combine(Path.GetTempPath(), "blubees-refusal-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, stderr) = await RunToExitAsync(data, new Dictionary<string, string> { ["Runs__WorkerConcurrency"] = "0" });
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(2), stderr);
                Assert.That(stderr, Does.Contain("error: the backend did not start:").And.Contain("WorkerConcurrency"));
                Assert.That(stderr, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "));
            });
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task<(int Code, string Stderr)> RunToExitAsync(string data, Dictionary<string, string> settings)
    {
        Directory.CreateDirectory(data);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "BluBees.Api.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["Storage__DataDirectory"] = data;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Generous);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the refused start did not end within a minute");
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }
}
