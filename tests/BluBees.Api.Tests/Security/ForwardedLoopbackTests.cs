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
    private const string Probes = """
        probe() {
          header="X-Forwarded-For: $2"
          [ "$2" = none ] && header="X-Forwarded-For:"
          printf 'token %s %s %s\n' "$1" "$2" "$(curl -s -o "$DIR/token-$1-$2.json" -w '%{http_code}' -X POST -H "$header" "http://$1:$PORT/dev/token")"
          printf 'batch %s %s %s\n' "$1" "$2" "$(curl -s -o "$DIR/batch-$1-$2.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H "$header" \
            --data '{"Records":[{"messageId":"m-1","body":"{\"kind\":\"finish-uninstall\",\"tenant\":\"ari:cloud:ecosystem::installation/x\"}"}]}' \
            "http://$1:$PORT/internal/sqs-batch")"
        }
        probe 10.9.9.9 127.0.0.1
        probe 10.9.9.9 none
        probe 127.0.0.1 10.9.9.9
        probe 127.0.0.1 none
        """;

    [Test]
    public async Task A_forwarded_header_naming_loopback_does_not_open_the_loopback_only_routes_to_the_network()
    {
        using var run = await new NetworkNamespaceBackend(5997, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["Forge__AppId"] = TestIssuer.AppId,
            ["Forge__JwksUrl"] = "http://127.0.0.1:1/jwks.json",
            ["DevIssuer__Enabled"] = "true",
            // The worker function's queue and route choices, on the embedded store: the SQS queue is configured, never called.
            ["Queue__Provider"] = "Sqs",
            ["Queue__QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs",
            ["Worker__Mode"] = "SqsRoute",
        }).RunAsync(Probes);
        var output = run.Output;

        Assert.That(run.ExitCode, Is.Zero, output);
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
            var text = await run.ReadAsync(refused);
            Assert.That(text, Does.Contain("\"status\":403").And.Contain("loopback").And.Not.Contain("\"token\"").And.Not.Contain("batchItemFailures"), text);
        }

        Assert.That(await run.ReadAsync("token-127.0.0.1-none.json"), Does.Contain("\"token\""));
        Assert.That(await run.ReadAsync("batch-127.0.0.1-none.json"), Does.Contain("batchItemFailures"));
    }
}
