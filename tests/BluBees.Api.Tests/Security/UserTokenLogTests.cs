using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Security;

/// <summary>Regression (adversarial sweep): the user's Forge OAuth token (x-forge-oauth-user) and the FIT appear in no log line at any level.</summary>
[TestFixture]
public sealed class UserTokenLogTests
{
    [Test]
    public async Task The_user_token_is_in_no_log_line_even_at_trace()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer);
        var tenant = Samples.NewTenant();
        var userToken = Samples.Canary("usertoken");
        var fit = issuer.Mint(TestIssuer.ForRoute("/api/issues/OPS-1/sample-event", tenant, "557058:admin"));
        using (var sample = await backend.SendWithTokenAsync(HttpMethod.Get, "/api/issues/OPS-1/sample-event", fit, userToken: userToken))
        {
            TestContext.Out.WriteLine((int)sample.StatusCode);
        }

        var logs = backend.Logs.AllText;
        Assert.Multiple(() =>
        {
            Assert.That(logs, Does.Not.Contain(userToken), "user token");
            Assert.That(logs, Does.Not.Contain(fit.Split('.')[2]), "FIT signature");
        });
    }
}
