using System.Diagnostics;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// Runs the backend in a network namespace of its own (<c>unshare -n</c>: no traffic can leave the machine), bound to
/// every address on <paramref name="Port"/>, with 10.9.9.9 on the namespace's loopback interface as a non-loopback
/// address, and runs a shell script's probes (curl) against it once it answers <c>/health</c> on 127.0.0.1. The probes
/// print lines for the test to assert and may write answers into the working directory (<c>$DIR</c>). For the
/// routes that must answer only callers on this machine (docs/security.md, "Who may call each route").
/// </summary>
public sealed record NetworkNamespaceBackend(int Port, IReadOnlyDictionary<string, string> Environment)
{
    public const string NetworkAddress = "10.9.9.9";

    /// <summary>Starts the backend, runs <paramref name="probes"/> (bash, with <c>$PORT</c> and <c>$DIR</c> set), stops it; bounded by two minutes.</summary>
    public async Task<NetworkNamespaceRun> RunAsync(string probes)
    {
        var dir = Directory.CreateTempSubdirectory("blubees-netns-").FullName;
        var script = $"""
            set -u
            ip link set lo up
            ip addr add {NetworkAddress}/32 dev lo
            dotnet "$DLL" --urls "http://0.0.0.0:$PORT" >/dev/null 2>&1 &
            backend=$!
            for i in $(seq 1 300); do
              curl -s -o /dev/null "http://127.0.0.1:$PORT/health" && break
              sleep 0.2
            done
            {probes}
            kill $backend
            wait $backend 2>/dev/null
            exit 0
            """;
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        foreach (var arg in new[] { "-n", "bash", "-c", script })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DLL"] = Path.Combine(AppContext.BaseDirectory, "BluBees.Api.dll");
        info.Environment["DIR"] = dir;
        info.Environment["PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["Storage__DataDirectory"] = Path.Combine(dir, "data");
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in Environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The backend in its network namespace did not finish its probes in two minutes: " + await stdout + await stderr);
        }

        return new NetworkNamespaceRun(process.ExitCode, await stdout + await stderr, dir);
    }
}

/// <summary>What the probes printed, and the directory they wrote answers into (deleted on dispose).</summary>
public sealed record NetworkNamespaceRun(int ExitCode, string Output, string Directory) : IDisposable
{
    public Task<string> ReadAsync(string file) => File.ReadAllTextAsync(Path.Combine(Directory, file));

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
