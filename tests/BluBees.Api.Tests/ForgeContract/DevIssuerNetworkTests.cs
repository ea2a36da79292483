using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// The dev issuer mints an administrator's token for any tenant, so it answers only callers on this machine. The
/// backend runs in its own network namespace (<c>unshare -n</c>: no traffic can leave the machine), bound to every
/// address, with a non-loopback address (10.9.9.9) on the namespace's own interface; a caller from that address is
/// refused with a 403 ProblemDetails, one from 127.0.0.1 gets its token.
/// </summary>
public sealed class DevIssuerNetworkTests
{
    private const string Probes = """
        for host in 10.9.9.9 127.0.0.1; do
          printf 'token %s %s\n' "$host" "$(curl -s -o "$DIR/token-$host.json" -w '%{http_code}' -X POST "http://$host:$PORT/dev/token")"
          printf 'jwks %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:$PORT/dev/jwks.json")"
          printf 'health %s %s\n' "$host" "$(curl -s -o /dev/null -w '%{http_code}' "http://$host:$PORT/health")"
        done
        """;

    [Test]
    public async Task The_dev_issuer_answers_only_loopback_callers()
    {
        using var run = await new NetworkNamespaceBackend(5999, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
        }).RunAsync(Probes);
        var output = run.Output;

        Assert.That(run.ExitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("health 10.9.9.9 200"), "the backend answers on the non-loopback address: " + output);
        Assert.That(output, Does.Contain("token 10.9.9.9 403").And.Contain("jwks 10.9.9.9 403"), output);
        Assert.That(output, Does.Contain("token 127.0.0.1 200").And.Contain("jwks 127.0.0.1 200"), output);

        var refused = await run.ReadAsync("token-10.9.9.9.json");
        Assert.That(refused, Does.Contain("\"status\":403").And.Contain("loopback").And.Not.Contain("token\":"), refused);
        Assert.That(await run.ReadAsync("token-127.0.0.1.json"), Does.Contain("\"token\":\"ey"));
    }
}
