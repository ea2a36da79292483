using System.Diagnostics;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// <c>POST /internal/sqs-batch</c> is anonymous: on the worker function the Lambda Web Adapter posts each SQS batch to
/// it over 127.0.0.1, and nothing else may. A worker started with the route mapped and bound to a network address
/// (<c>--urls http://0.0.0.0:…</c>, a container, a host outside Lambda) answered any caller on the network: a forged
/// batch was read and processed. The backend runs here in its own network namespace (<c>unshare -n</c>: no traffic
/// leaves the machine), bound to every address, with 10.9.9.9 on its loopback interface as a non-loopback address; a
/// caller from that address is refused with a 403 ProblemDetails before the body is read, one from 127.0.0.1 gets its
/// batch answer, and the other routes keep answering as before (a health probe from the network, a 401 without a token).
/// </summary>
public sealed class WorkerRouteNetworkTests
{
    private const string Script = """
        set -u
        ip link set lo up
        ip addr add 10.9.9.9/32 dev lo
        dotnet "$DLL" --urls http://0.0.0.0:5998 >/dev/null 2>&1 &
        backend=$!
        for i in $(seq 1 300); do
          curl -s -o /dev/null http://127.0.0.1:5998/health && break
          sleep 0.2
        done
        for host in 10.9.9.9 127.0.0.1; do
          printf 'batch %s %s\n' "$host" "$(curl -s -o "$DIR/batch-$host.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            --data '{"Records":[{"messageId":"m-1","body":"{\"kind\":\"finish-uninstall\",\"tenant\":\"ari:cloud:ecosystem::installation/x\"}"}]}' \
            "http://$host:5998/internal/sqs-batch")"
          printf 'health %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:5998/health")"
          printf 'api %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:5998/api/rules")"
        done
        kill $backend
        wait $backend 2>/dev/null
        exit 0
        """;

    [Test]
    public async Task The_sqs_batch_route_answers_only_loopback_callers()
    {
        var dir = Directory.CreateTempSubdirectory("blubees-workernet-").FullName;
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
            info.Environment["Forge__AppId"] = TestIssuer.AppId;
            info.Environment["Forge__JwksUrl"] = "http://127.0.0.1:1/jwks.json";
            info.Environment["Storage__DataDirectory"] = Path.Combine(dir, "data");
            // The worker function's choices (template.yaml), on the embedded store: the SQS queue is configured, never called.
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
            Assert.That(output, Does.Contain("health 10.9.9.9 200"), "the backend answers on the non-loopback address: " + output);
            Assert.That(output, Does.Contain("batch 10.9.9.9 403"), output);
            Assert.That(output, Does.Contain("batch 127.0.0.1 200"), "the adapter's own calls still reach the route: " + output);
            Assert.That(output, Does.Contain("api 10.9.9.9 401").And.Contain("api 127.0.0.1 401"), output);

            var refused = await File.ReadAllTextAsync(Path.Combine(dir, "batch-10.9.9.9.json"));
            Assert.That(refused, Does.Contain("\"status\":403").And.Contain("loopback").And.Not.Contain("batchItemFailures"), refused);
            Assert.That(await File.ReadAllTextAsync(Path.Combine(dir, "batch-127.0.0.1.json")), Does.Contain("batchItemFailures"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
