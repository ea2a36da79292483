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
    private const string Probes = """
        for host in 10.9.9.9 127.0.0.1; do
          printf 'batch %s %s\n' "$host" "$(curl -s -o "$DIR/batch-$host.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            --data '{"Records":[{"messageId":"m-1","body":"{\"kind\":\"finish-uninstall\",\"tenant\":\"ari:cloud:ecosystem::installation/x\"}"}]}' \
            "http://$host:$PORT/internal/sqs-batch")"
          printf 'health %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:$PORT/health")"
          printf 'api %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:$PORT/api/rules")"
        done
        """;

    [Test]
    public async Task The_sqs_batch_route_answers_only_loopback_callers()
    {
        using var run = await new NetworkNamespaceBackend(5998, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Forge__AppId"] = TestIssuer.AppId,
            ["Forge__JwksUrl"] = "http://127.0.0.1:1/jwks.json",
            // The worker function's choices (template.yaml), on the embedded store: the SQS queue is configured, never called.
            ["Queue__Provider"] = "Sqs",
            ["Queue__QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs",
            ["Worker__Mode"] = "SqsRoute",
        }).RunAsync(Probes);
        var output = run.Output;

        Assert.That(run.ExitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("health 10.9.9.9 200"), "the backend answers on the non-loopback address: " + output);
        Assert.That(output, Does.Contain("batch 10.9.9.9 403"), output);
        Assert.That(output, Does.Contain("batch 127.0.0.1 200"), "the adapter's own calls still reach the route: " + output);
        Assert.That(output, Does.Contain("api 10.9.9.9 401").And.Contain("api 127.0.0.1 401"), output);

        var refused = await run.ReadAsync("batch-10.9.9.9.json");
        Assert.That(refused, Does.Contain("\"status\":403").And.Contain("loopback").And.Not.Contain("batchItemFailures"), refused);
        Assert.That(await run.ReadAsync("batch-127.0.0.1.json"), Does.Contain("batchItemFailures"));
    }
}
