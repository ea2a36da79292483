using System.Diagnostics;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// The dev issuer mints an administrator's token for any tenant, so it answers only callers on this machine. The
/// backend runs in its own network namespace (<c>unshare -n</c>: no traffic can leave the machine), bound to every
/// address, with a non-loopback address (10.9.9.9) on the namespace's own interface; a caller from that address is
/// refused with a 403 ProblemDetails, one from 127.0.0.1 gets its token.
/// </summary>
public sealed class DevIssuerNetworkTests
{
    private const string Script = """
        set -u
        ip link set lo up
        ip addr add 10.9.9.9/32 dev lo
        dotnet "$DLL" --urls http://0.0.0.0:5999 >/dev/null 2>&1 &
        backend=$!
        for i in $(seq 1 300); do
          curl -s -o /dev/null http://127.0.0.1:5999/health && break
          sleep 0.2
        done
        for host in 10.9.9.9 127.0.0.1; do
          printf 'token %s %s\n' "$host" "$(curl -s -o "$DIR/token-$host.json" -w '%{http_code}' -X POST "http://$host:5999/dev/token")"
          printf 'jwks %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:5999/dev/jwks.json")"
          printf 'health %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:5999/health")"
        done
        kill $backend
        wait $backend 2>/dev/null
        exit 0
        """;

    [Test]
    public async Task The_dev_issuer_answers_only_loopback_callers()
    {
        var dir = Directory.CreateTempSubdirectory("blubees-devnet-").FullName;
        try
        {
            var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var arg in new[] { "-n", "bash", "-c", Script })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["DLL"] = Path.Combine(AppContext.BaseDirectory, "BluBees.Api.dll");
            info.Environment["DIR"] = dir;
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            info.Environment["DOTNET_ENVIRONMENT"] = "Development";
            info.Environment["Storage__DataDirectory"] = Path.Combine(dir, "data");
            info.Environment["Logging__LogLevel__Default"] = "Warning";

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout + await stderr;

            Assert.That(process.ExitCode, Is.Zero, output);
            Assert.That(output, Does.Contain("health 10.9.9.9 200"), "the backend answers on the non-loopback address: " + output);
            Assert.That(output, Does.Contain("token 10.9.9.9 403").And.Contain("jwks 10.9.9.9 403"), output);
            Assert.That(output, Does.Contain("token 127.0.0.1 200").And.Contain("jwks 127.0.0.1 200"), output);

            var refused = await File.ReadAllTextAsync(Path.Combine(dir, "token-10.9.9.9.json"));
            Assert.That(refused, Does.Contain("\"status\":403").And.Contain("loopback").And.Not.Contain("token\":"), refused);
            Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "token-127.0.0.1.json")), Does.Contain("\"token\":\"ey"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
