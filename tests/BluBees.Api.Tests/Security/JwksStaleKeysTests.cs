using System.Net;
using System.Security.Cryptography;
using BluBees.Api.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The issuer's JWKS cannot be read any more (down, or answering errors): the keys fetched last stay trusted for
/// <see cref="ForgeOptions.JwksMaxStaleSeconds"/> past their refresh interval, then no longer. Before, they were
/// trusted for as long as every refresh failed, so a key the issuer had withdrawn kept verifying tokens.
/// </summary>
public sealed class JwksStaleKeysTests
{
    [Test]
    public async Task Keys_stay_trusted_while_refreshes_fail_only_for_the_stale_allowance()
    {
        using var rsa = RSA.Create(2048);
        var handler = new SwitchableJwksHandler(JwksDocuments.Of("k1", rsa));
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T10:00:00Z"));
        var options = new ForgeOptions { JwksUrl = "https://issuer.test/jwks.json", JwksCacheSeconds = 3600, JwksMaxStaleSeconds = 7200 };
        using var cache = new JwksCache(new JwksDocuments.SingleClientFactory(handler), Options.Create(options), time, NullLogger<JwksCache>.Instance);

        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Not.Null, "fetched");
        handler.Failing = true;

        time.Advance(TimeSpan.FromHours(2)); // past the refresh interval: the refresh fails, the old keys are kept
        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Not.Null, "within the stale allowance");
        time.Advance(TimeSpan.FromMinutes(59)); // 2 h 59 min after the last successful fetch; this refresh fails too
        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Not.Null, "still within 1 h + 2 h");

        time.Advance(TimeSpan.FromMinutes(2)); // 3 h 1 min after the last successful fetch
        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Null, "past the allowance: refused");
        Assert.That(cache.FetchCount, Is.EqualTo(4), "every call past the cooldown tried a refresh");

        handler.Failing = false;
        time.Advance(TimeSpan.FromMinutes(2)); // past the cooldown: the next refresh succeeds
        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Not.Null, "trusted again once a fetch succeeds");
    }

    [Test]
    public async Task A_stale_key_is_refused_also_during_the_refresh_cooldown()
    {
        using var rsa = RSA.Create(2048);
        var handler = new SwitchableJwksHandler(JwksDocuments.Of("k1", rsa));
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T10:00:00Z"));
        var options = new ForgeOptions { JwksUrl = "https://issuer.test/jwks.json", JwksCacheSeconds = 3600, JwksMaxStaleSeconds = 0, JwksRefreshCooldownSeconds = 600 };
        using var cache = new JwksCache(new JwksDocuments.SingleClientFactory(handler), Options.Create(options), time, NullLogger<JwksCache>.Instance);

        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Not.Null);
        handler.Failing = true;
        time.Advance(TimeSpan.FromSeconds(3601));
        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Null, "the refresh failed, no allowance");
        time.Advance(TimeSpan.FromSeconds(10)); // inside the cooldown: no fetch, and still no stale key
        Assert.That(await cache.GetKeyAsync("k1", CancellationToken.None), Is.Null);
        Assert.That(cache.FetchCount, Is.EqualTo(2));
    }

    /// <summary>The issuer's JWKS endpoint: the document, or a 503 while <see cref="Failing"/>.</summary>
    private sealed class SwitchableJwksHandler(string jwks) : HttpMessageHandler
    {
        public volatile bool Failing;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => Task.FromResult(Failing
                ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(jwks) });
    }
}
