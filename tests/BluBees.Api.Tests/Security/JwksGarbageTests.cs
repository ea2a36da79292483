using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The issuer's JWKS endpoint answering 200 with JSON that is not an object (a proxy's or a misconfigured endpoint's
/// <c>[]</c>, <c>null</c>, a string): no key can come from it, so tokens are refused as unverifiable (401) — never a
/// 500 with an unhandled-exception log on every request — and a later good fetch is trusted again.
/// </summary>
public sealed class JwksGarbageTests
{
    [TestCase("[]")]
    [TestCase("null")]
    [TestCase("\"keys\"")]
    [TestCase("42")]
    public async Task A_JWKS_that_is_not_a_JSON_object_refuses_tokens_as_401_and_a_later_good_fetch_is_used(string garbage)
    {
        await using var issuer = await TestIssuer.StartAsync();
        var body = garbage;
        await using var jwks = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Volatile.Read(ref body));
        });
        await using var host = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Forge:JwksUrl"] = new Uri(jwks.Address, "/.well-known/jwks.json").ToString(),
            ["Forge:JwksRefreshCooldownSeconds"] = "1",
        });
        var tenant = Samples.NewTenant();

        using (var refused = await host.SendAsync(HttpMethod.Get, "/api/rules", tenant))
        {
            var text = await refused.Content.ReadAsStringAsync();
            Assert.Multiple(() =>
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), text);
                Assert.That(text, Does.Contain("\"status\":401"), "a ProblemDetails");
                Assert.That(host.Logs.AllText, Does.Not.Contain("Unhandled"));
            });
        }

        Volatile.Write(ref body, issuer.Jwks());
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the refetch cooldown, so the next unknown kid fetches again
        using var accepted = await host.SendAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await accepted.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A JWKS endpoint answering a huge body (8 MB: a broken proxy, a hostile endpoint; Atlassian's is a few KB) is a
    /// failed fetch, not buffered whole: the fetch reads at most 1 MiB (JwksCache.MaxDocumentBytes), so the key in it is
    /// not used and the token is refused 401. The same document without the padding is used.
    /// </summary>
    [Test]
    public async Task A_JWKS_larger_than_1_MiB_is_a_failed_fetch_and_not_read_whole()
    {
        await using var issuer = await TestIssuer.StartAsync();
        var padded = true;
        await using var jwks = await LoopbackServer.StartAsync(async context =>
        {
            var document = System.Text.Json.Nodes.JsonNode.Parse(issuer.Jwks())!.AsObject();
            if (Volatile.Read(ref padded))
            {
                document["padding"] = new string('x', 8 * 1024 * 1024);
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(document.ToJsonString());
        });
        await using var host = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Forge:JwksUrl"] = new Uri(jwks.Address, "/.well-known/jwks.json").ToString(),
            ["Forge:JwksRefreshCooldownSeconds"] = "1",
        });
        var tenant = Samples.NewTenant();

        using (var refused = await host.SendAsync(HttpMethod.Get, "/api/rules", tenant))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), await refused.Content.ReadAsStringAsync());
        }

        Volatile.Write(ref padded, false);
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // past the refetch cooldown
        using var accepted = await host.SendAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await accepted.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// One key of the JWKS that cannot be read (a modulus that is not base64url, an exponent RSA refuses) is skipped:
    /// the other keys of the document are used. Before, the whole fetch failed, so one odd key the issuer published
    /// beside the good ones got every token refused 401.
    /// </summary>
    [TestCase("n", "not base64url!")]
    [TestCase("e", "")]
    public async Task An_unreadable_key_in_the_JWKS_is_skipped_and_the_other_keys_are_used(string field, string value)
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var jwks = await LoopbackServer.StartAsync(async context =>
        {
            var document = System.Text.Json.Nodes.JsonNode.Parse(issuer.Jwks())!.AsObject();
            var odd = document["keys"]![0]!.DeepClone().AsObject();
            odd["kid"] = "odd-key";
            odd[field] = value;
            document["keys"]!.AsArray().Insert(0, odd);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(document.ToJsonString());
        });
        await using var host = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["Forge:JwksUrl"] = new Uri(jwks.Address, "/.well-known/jwks.json").ToString(),
        });

        using var accepted = await host.SendAsync(HttpMethod.Get, "/api/rules", Samples.NewTenant());
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK), string.Join('\n', host.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.Contains("JWKS", StringComparison.Ordinal))));
    }
}
