using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Scheduling;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A Forge token's <c>exp</c> and <c>nbf</c> at the exact edge of the 30-second skew (<c>Forge:ClockSkewSeconds</c>),
/// judged by the backend's injected clock (a fake one here, far from the machine's): one second inside is let in, one
/// second beyond is a 401. The machine clock plays no part (the fake clock is a day ahead of it).
/// </summary>
public sealed class TokenClockBoundaryTests : FakeClockFixture
{
    private const int Skew = 30;

    [OneTimeSetUp]
    public void MoveTheClockAway()
    {
        // A whole second: exp and nbf are whole seconds, so "exactly the skew" is exact only there.
        var ahead = Clock.GetUtcNow().AddDays(1);
        Clock.SetUtcNow(new DateTimeOffset(ahead.Ticks - ahead.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1));
    }

    private async Task<HttpStatusCode> CallAsync(Action<System.Text.Json.Nodes.JsonObject> claims)
    {
        var token = Issuer.Mint(TestIssuer.For(Samples.NewTenant()), editClaims: claims, now: Clock.GetUtcNow());
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", token);
        return response.StatusCode;
    }

    private long At(int secondsFromNow) => Clock.GetUtcNow().AddSeconds(secondsFromNow).ToUnixTimeSeconds();

    [TestCase(-Skew, ExpectedResult = HttpStatusCode.OK, Description = "expired exactly the skew ago")]
    [TestCase(-Skew - 1, ExpectedResult = HttpStatusCode.Unauthorized)]
    [TestCase(0, ExpectedResult = HttpStatusCode.OK, Description = "expires this second")]
    public Task<HttpStatusCode> Exp_at_the_edge_of_the_skew(int expFromNow)
        => CallAsync(c => c["exp"] = At(expFromNow));

    [TestCase(Skew, ExpectedResult = HttpStatusCode.OK, Description = "valid from exactly the skew ahead")]
    [TestCase(Skew + 1, ExpectedResult = HttpStatusCode.Unauthorized)]
    public Task<HttpStatusCode> Nbf_at_the_edge_of_the_skew(int nbfFromNow)
        => CallAsync(c => c["nbf"] = At(nbfFromNow));
}
