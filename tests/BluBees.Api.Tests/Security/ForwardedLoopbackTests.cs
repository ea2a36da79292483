using System.Diagnostics;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The loopback-only anonymous routes (the development issuer's <c>POST /dev/token</c>, the worker's
/// <c>POST /internal/sqs-batch</c>) with the framework's forwarded-headers middleware on
/// (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>, a common container setting; it trusts every proxy): a caller on the
/// network sending <c>X-Forwarded-For: 127.0.0.1</c> was taken for a loopback caller, got an administrator's token for any
/// tenant and had its forged batch processed. The backend runs in its own network namespace (<c>unshare -n</c>), bound
/// to every address, with 10.9.9.9 on its loopback interface as a network address. From 10.9.9.9, with or without the
/// header, both routes answer 403 before reading the body; from 127.0.0.1 they answer, and a local proxy's request for
/// a remote client (127.0.0.1 with <c>X-Forwarded-For: 10.9.9.9</c>) is refused as before.
/// </summary>
public sealed class ForwardedLoopbackTests
{
    private const string Script = """
        set -u
        ip link set lo up
        ip addr add 10.9.9.9/32 dev lo
        dotnet "$DLL" --urls http://0.0.0.0:5997 >/dev/null 2>&1 &
        backend=$!
        for i in $(seq 1 300); do
          curl -s -o /dev/null http://127.0.0.1:5997/health && break
          sleep 0.2
        done
        probe() {
          header="X-Forwarded-For: $2"
          [ "$2" = none ] && header="X-Forwarded-For:"
          printf 'token %s %s %s\n' "$1" "$2" "$(curl -s -o "$DIR/token-$1-$2.json" -w '%{http_code}' -X POST -H "$header" "http://$1:5997/dev/token")"
          printf 'batch %s %s %s\n' "$1" "$2" "$(curl -s -o "$DIR/batch-$1-$2.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "$header" \
            --data '{"Records":[{"messageId":"m-1","body":"{\"kind\":\"finish-uninstall\",\"tenant\":\"ari:cloud:ecosystem::installation/x\"}"}]}' \
            "http://$1:5997/internal/sqs-batch")"
        }
        probe 10.9.9.9 127.0.0.1
        probe 10.9.9.9 none
        probe 127.0.0.1 10.9.9.9
        probe 127.0.0.1 none
        kill $backend
        wait $backend 2>/dev/null
        exit 0
        """;

    [Test]
    public async Task A_forwarded_header_naming_loopback_does_not_open_the_loopback_only_routes_to_the_network()
    {
        var dir = Directory.CreateTempSubdirectory("blubees-fwdnet-").FullName;
        try
        {
            var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
            foreach (var arg in new[] { "-n", "bash", "-c", Script })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["DLL"] = Path.Combine(AppContext.BaseDirectory, "BluBees.Api.dll");
            info.Environment["DIR"] = dir;
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            info.Environment["DOTNET_ENVIRONMENT"] = "Production";
            info.Environment["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true";
            info.Environment["Forge__AppId"] = TestIssuer.AppId;
            info.Environment["Forge__JwksUrl"] = "http://127.0.0.1:1/jwks.json";
            info.Environment["Storage__DataDirectory"] = Path.Combine(dir, "data");
            info.Environment["DevIssuer__Enabled"] = "true";
            // The worker function's queue and route choices, on the embedded store: the SQS queue is configured, never called.
            info.Environment["Queue__Provider"] = "Sqs";
            info.Environment["Queue__QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs";
            info.Environment["Worker__Mode"] = "SqsRoute";
            info.Environment["Logging__LogLevel__Default"] = "Warning";

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout + await stderr;

            Assert.That(process.ExitCode, Is.Zero, output);
            Assert.Multiple(() =>
            {
                Assert.That(output, Does.Contain("token 10.9.9.9 127.0.0.1 403"), "a network caller claiming loopback in X-Forwarded-For: " + output);
                Assert.That(output, Does.Contain("batch 10.9.9.9 127.0.0.1 403"), "a network caller claiming loopback in X-Forwarded-For: " + output);
                Assert.That(output, Does.Contain("token 10.9.9.9 none 403").And.Contain("batch 10.9.9.9 none 403"), output);
                Assert.That(output, Does.Contain("token 127.0.0.1 10.9.9.9 403").And.Contain("batch 127.0.0.1 10.9.9.9 403"), "a local proxy's request for a network client: " + output);
                Assert.That(output, Does.Contain("token 127.0.0.1 none 200").And.Contain("batch 127.0.0.1 none 200"), "a caller on this machine: " + output);
            });

            foreach (var refused in new[] { "token-10.9.9.9-127.0.0.1.json", "batch-10.9.9.9-127.0.0.1.json" })
            {
                var text = await File.ReadAllTextAsync(Path.Combine(dir, refused));
                Assert.That(text, Does.Contain("\"status\":403").And.Contain("loopback").And.Not.Contain("\"token\"").And.Not.Contain("batchItemFailures"), text);
            }

            Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "token-127.0.0.1-none.json")), Does.Contain("\"token\""));
            Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "batch-127.0.0.1-none.json")), Does.Contain("batchItemFailures"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
