using System.Net;
using System.Security.Cryptography;
using BluBees.Api.Auth;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// A cold start: the key cache is empty and the first token starts the JWKS fetch. Tokens that arrive while it is
/// under way must get the key it brings, not a refusal (they were answered 401 before: the bench's default-limits
/// phase, a fresh backend, saw 4–28 of 1,000 events refused). Still one fetch.
/// </summary>
public sealed class JwksColdStartTests
{
    [Test]
    public async Task Requests_that_arrive_during_the_first_fetch_wait_for_it_and_get_the_key()
    {
        using var rsa = RSA.Create(2048);
        var handler = new GatedJwksHandler(JwksDocuments.Of("k1", rsa));
        using var cache = new JwksCache(new JwksDocuments.SingleClientFactory(handler), Options.Create(new ForgeOptions { JwksUrl = "https://issuer.test/jwks.json" }), TimeProvider.System, NullLogger<JwksCache>.Instance);

        var first = cache.GetKeyAsync("k1", CancellationToken.None).AsTask();
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var during = Enumerable.Range(0, 8).Select(_ => cache.GetKeyAsync("k1", CancellationToken.None).AsTask()).ToList();
        Assert.That(during.Any(t => t.IsCompleted), Is.False, "callers during the fetch wait for it");

        handler.Release.SetResult();
        var keys = await Task.WhenAll(during.Prepend(first));

        Assert.That(keys, Has.All.Not.Null, "every caller gets the key the fetch brought");
        Assert.That((handler.Calls, cache.FetchCount), Is.EqualTo((1, 1)), "still one fetch");
    }

    [Test]
    public async Task An_unknown_kid_during_the_fetch_is_refused_after_it_without_a_second_fetch()
    {
        using var rsa = RSA.Create(2048);
        var handler = new GatedJwksHandler(JwksDocuments.Of("k1", rsa));
        using var cache = new JwksCache(new JwksDocuments.SingleClientFactory(handler), Options.Create(new ForgeOptions { JwksUrl = "https://issuer.test/jwks.json" }), TimeProvider.System, NullLogger<JwksCache>.Instance);

        var first = cache.GetKeyAsync("k1", CancellationToken.None).AsTask();
        await handler.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var invented = cache.GetKeyAsync("invented", CancellationToken.None).AsTask();
        handler.Release.SetResult();

        Assert.That(await first, Is.Not.Null);
        Assert.That(await invented, Is.Null);
        Assert.That(handler.Calls, Is.EqualTo(1));
    }

    /// <summary>Answers the JWKS only when the test releases it, so that requests can arrive during the fetch.</summary>
    private sealed class GatedJwksHandler(string jwks) : HttpMessageHandler
    {
        private int _calls;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Calls => Volatile.Read(ref _calls);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(jwks) };
        }
    }
}
