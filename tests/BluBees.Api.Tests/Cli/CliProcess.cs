using System.Diagnostics;

namespace BluBees.Api.Tests.Cli;

/// <summary>Runs the real <c>blubees</c> CLI (the built <c>blubees.dll</c>) as a process and collects its streams.</summary>
internal static class CliProcess
{
    /// <summary>
    /// Runs <c>blubees</c> with <paramref name="args"/> (without the caller's <c>BLUBEES_URL</c>, plus
    /// <paramref name="environment"/>) and waits at most 60 s; a CLI that outlives that is killed, and the wait fails.
    /// </summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IDictionary<string, string>? environment, string? workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Path.GetTempPath() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "blubees.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("BLUBEES_URL");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true); // a hung CLI must not outlive the test
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary><see cref="RunAsync"/> in the temporary directory, without extra environment.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(null, null, args);
}
