using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace BluBees.Aws.Tests.Dynalite;

/// <summary>
/// The DynamoDB-protocol server the store tests run against. Uses <c>BLUBEES_DYNAMODB_URL</c> when set (the
/// test script starts one dynalite for the whole run: scripts/dynalite.sh); otherwise starts a private one from
/// tests/dynalite on a free loopback port, once per test run. Never skips: without dynalite the tests fail
/// with instructions.
/// </summary>
public static class DynaliteServer
{
    public const string UrlVariable = "BLUBEES_DYNAMODB_URL";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Uri? _url;
    private static Process? _process;

    public static async Task<Uri> UrlAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _url ??= Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } external
                ? new Uri(external)
                : await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the private dynalite, if this run started one (called once, after all tests).</summary>
    public static void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    private static async Task<Uri> StartAsync()
    {
        var directory = Path.Combine(RepositoryRoot(), "tests", "dynalite");
        var cli = Path.Combine(directory, "node_modules", "dynalite", "cli.js");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException(
                $"dynalite is not installed ({cli} is missing). Run `cd tests/dynalite && npm ci`, " +
                $"or start one with `bash scripts/dynalite.sh start` and export {UrlVariable}=$(cat artifacts/dynalite.url).");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var process = Process.Start(new ProcessStartInfo("node")
            {
                ArgumentList = { cli, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0" },
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("Could not start node.");
            var listening = await WaitForListeningAsync(process);
            if (listening)
            {
                _process = process;
                return new Uri($"http://127.0.0.1:{port}");
            }

            var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : "no answer within 15 s";
            process.Kill(entireProcessTree: true);
            process.Dispose();
            if (attempt == 3)
            {
                throw new InvalidOperationException("dynalite did not start: " + error);
            }
        }
    }

    private static async Task<bool> WaitForListeningAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.Contains("Dynalite listening", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
        => typeof(DynaliteServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
}
