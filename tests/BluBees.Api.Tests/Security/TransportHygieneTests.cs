using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>Every response carries HSTS, nosniff and no-store, and no cookie is ever set.</summary>
public sealed class TransportHygieneTests : BackendFixture
{
    [Test]
    public async Task Every_kind_of_response_carries_the_security_headers_and_no_cookie()
    {
        var tenant = Samples.NewTenant();
        var responses = new List<HttpResponseMessage>
        {
            await Backend.Client.GetAsync("/health"),
            await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant),
            await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", null),
            await Backend.SendAsync(HttpMethod.Get, "/api/rules/rule_missing", tenant),
            await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, "{broken"),
            await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event("OPS-601", "hygiene")),
            await Backend.Client.GetAsync("/no/such/route"),
        };
        try
        {
            foreach (var response in responses)
            {
                var what = $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.AbsolutePath} -> {(int)response.StatusCode}";
                Assert.That(response.Headers.TryGetValues("Strict-Transport-Security", out var hsts), Is.True, what);
                var maxAge = long.Parse(System.Text.RegularExpressions.Regex.Match(hsts!.Single(), @"max-age=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(maxAge, Is.GreaterThanOrEqualTo(31_536_000), what);
                Assert.That(response.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"), what);
                Assert.That(response.Headers.CacheControl?.NoStore, Is.True, what);
                Assert.That(response.Headers.Contains("Set-Cookie"), Is.False, what);
                Assert.That(response.Headers.Contains("Server"), Is.False, what + " (no server banner)");
            }
        }
        finally
        {
            responses.ForEach(r => r.Dispose());
        }
    }
}
