using System.Text.Json;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>No failure lets a header value, a body or a resolved internal address into the response object.</summary>
public sealed class CanaryTests
{
    private const string Canary = "CANARY-7f3a9c";

    private static readonly EgressHeader[] Headers =
    [
        new("Authorization", "Bearer " + Canary, IsCredential: true),
        new("X-Api-Key", Canary, IsCredential: true),
        new("X-Plain", Canary),
    ];

    [Test]
    public async Task NoFailureCarriesAHeaderValueOrAnInternalAddress()
    {
        await using var redirectLoop = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, "/again", ct));
        await using var huge = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, new byte[4096], ct, ("X-Echo", Canary)));
        await using var silent = LoopbackServer.Start((_, _, ct) => Task.Delay(Timeout.Infinite, ct));
        await using var badRedirect = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, 302, "http://user:pw@127.0.0.1/", ct));
        var resolver = new FakeResolver().Map("internal.test", "10.9.8.7").Map("meta.test", "169.254.169.254");
        var open = EgressTestKit.LoopbackOptions();
        open.MaxRedirects = 2;
        using var permissive = new EgressTestKit(open, resolver);
        using var strict = new EgressTestKit(new EgressOptions(), resolver);

        var cases = new (EgressFailure Expected, Func<Task<EgressResponse>> Call)[]
        {
            (EgressFailure.ConnectionFailed, () => strict.GetAsync("https://internal.test/", Headers)),
            (EgressFailure.ConnectionFailed, () => permissive.GetAsync("http://meta.test/", Headers)),
            (EgressFailure.BlockedScheme, () => strict.GetAsync("ftp://internal.test/", Headers)),
            (EgressFailure.BlockedPort, () => strict.GetAsync("https://internal.test:8443/", Headers)),
            (EgressFailure.InvalidUrl, () => permissive.GetAsync(badRedirect.Url(), Headers)),
            (EgressFailure.InvalidRequest, () => permissive.GetAsync(huge.Url(), [.. Headers, new("X-Bad", Canary + "\r\n")])),
            (EgressFailure.Refused, () => permissive.GetAsync($"http://127.0.0.1:{DestinationTests.FreePort()}/", Headers)),
            (EgressFailure.ConnectionFailed, () => permissive.GetAsync("http://unknown.test/", Headers)),
            (EgressFailure.Timeout, () => permissive.Client.SendAsync(
                new EgressRequest(HttpMethod.Get, silent.Url()) { Headers = Headers, Timeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None)),
            (EgressFailure.TooLarge, () => permissive.Client.SendAsync(
                new EgressRequest(HttpMethod.Get, huge.Url()) { Headers = Headers, MaxResponseBytes = 100 }, CancellationToken.None)),
            (EgressFailure.TooManyRedirects, () => permissive.GetAsync(redirectLoop.Url(), Headers)),
        };

        foreach (var (expected, call) in cases)
        {
            var response = await call();
            var text = string.Join(
                "\n",
                response.ToString(),
                response.Error,
                JsonSerializer.Serialize(response),
                string.Join(",", response.Headers.Select(h => h.Key + "=" + h.Value)));

            Assert.That(response.Failure, Is.EqualTo(expected), text);
            Assert.That(text, Does.Not.Contain(Canary), expected.ToString());
            Assert.That(text, Does.Not.Contain("10.9.8.7").And.Not.Contain("169.254"), expected.ToString());
            Assert.That(response.Body.Length, Is.Zero);
        }
    }

    [Test]
    public void RequestsAndHeadersPrintNoValuesAndNoPath()
    {
        var request = new EgressRequest(HttpMethod.Get, new Uri("https://api.test/v1/" + Canary + "?key=" + Canary)) { Headers = Headers };

        Assert.That(request.ToString(), Is.EqualTo("GET https://api.test"));
        Assert.That(string.Join(",", Headers), Does.Not.Contain(Canary));
    }
}
