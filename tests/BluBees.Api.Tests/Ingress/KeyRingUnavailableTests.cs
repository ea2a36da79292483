using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// The embedded key ring file (<c>keyring.json</c>) removed or made unreadable under the running backend (a restore
/// gone wrong, a clean-up job, a bad edit): no data key can be wrapped or unwrapped until it is back. That is a
/// dependency down, not a bug: an admin write that needs a key answers 503 ProblemDetails with Retry-After (never a
/// 500 with an unhandled-exception log, never the file's path), and once the file is back the retry is saved.
/// </summary>
public sealed class KeyRingUnavailableTests
{
    [TestCase("missing")]
    [TestCase("garbage")]
    [TestCase("not base64")]
    [TestCase("short key")]
    public async Task A_write_needing_a_key_while_the_key_ring_file_is_unreadable_answers_503_and_the_retry_succeeds(string damage)
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var host = await BackendHost.StartAsync(issuer);
        await host.JsonAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new JsonObject { ["name"] = "ring created" }, 201);

        var ring = Path.Combine(host.DataDirectory, "keyring.json");
        var saved = await File.ReadAllBytesAsync(ring);
        if (damage == "missing")
        {
            File.Delete(ring);
        }
        else
        {
            await File.WriteAllTextAsync(ring, damage switch
            {
                "not base64" => "{\"current\":\"k1\",\"keys\":{\"k1\":\"not base64!\"}}",
                "short key" => "{\"current\":\"k1\",\"keys\":{\"k1\":\"" + Convert.ToBase64String(new byte[16]) + "\"}}",
                _ => "{\"current\": ",
            });
        }

        var tenant = Samples.NewTenant(); // a new tenant: its first secret needs a new data key wrapped by the ring
        using (var refused = await host.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "while the ring is gone" }))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
                Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
                Assert.That(body, Does.Contain("\"status\":503"), "a ProblemDetails");
                Assert.That(body, Does.Not.Contain(host.DataDirectory).And.Not.Contain("keyring"), "no internals");
                Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled"));
                Assert.That(host.Logs.Lines.Where(l => l.Contains("Keys unavailable", StringComparison.Ordinal)), Has.Some.StartWith("Warning ").And.All.Not.Contain(host.DataDirectory), "the operator is told, without the path");
            });
        }

        await File.WriteAllBytesAsync(ring, saved);
        await host.JsonAsync(HttpMethod.Post, "/api/webhooks", tenant, new JsonObject { ["name"] = "while the ring is gone" }, 201);
    }
}
