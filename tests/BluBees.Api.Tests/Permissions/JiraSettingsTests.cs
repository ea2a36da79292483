using System.Diagnostics;
using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Permissions;

/// <summary>The Jira settings: the call timeout, the validated override, and development administrators.</summary>
public sealed class JiraSettingsTests
{
    private TestIssuer _issuer = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _issuer.DisposeAsync();

    [Test]
    public async Task A_Jira_that_does_not_answer_in_time_refuses_the_write_with_503()
    {
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Jira:TimeoutSeconds"] = "1" });

        // Warm up first (JWKS fetch, first-request compilation) so that the measured call is the Jira wait alone.
        using (var warm = await backend.SendAsync(HttpMethod.Get, "/api/me", Samples.NewTenant(), accountId: "557058:warm"))
        {
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        backend.Jira.Delay = TimeSpan.FromSeconds(5);
        var watch = Stopwatch.StartNew();
        using var response = await backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "slow" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "the short timeout applies");
        Assert.That(backend.Logs.AllText, Does.Contain("Jira permission check failed: TaskCanceledException").Or.Contain("Jira permission check failed: TimeoutException"));
    }

    [Test]
    public async Task A_Jira_whose_answer_stalls_after_its_headers_is_a_503_after_the_timeout_not_a_hang()
    {
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Jira:TimeoutSeconds"] = "1" });
        backend.Jira.UserIssues["OPS-9"] = new System.Text.Json.Nodes.JsonObject { ["id"] = "10009", ["key"] = "OPS-9", ["fields"] = new System.Text.Json.Nodes.JsonObject() };
        var admin = Samples.NewTenant();
        using (var warm = await backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin))
        {
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: the read works, and the admin's permission is now cached");
        }

        // Headers and the first bytes arrive, then nothing: HttpClient.Timeout no longer applies once headers are in.
        backend.Jira.StallBodies = true;
        var watch = Stopwatch.StartNew();
        using (var write = await backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "stalled" }).WaitAsync(TimeSpan.FromSeconds(20)))
        {
            Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the permission check gives up");
        }

        using (var me = await backend.SendAsync(HttpMethod.Get, "/api/me", Samples.NewTenant()).WaitAsync(TimeSpan.FromSeconds(20)))
        {
            Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK), "/api/me answers (without edit rights) instead of hanging");
        }

        using (var read = await backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin).WaitAsync(TimeSpan.FromSeconds(20)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the read as the user gives up");
        }

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "three calls, each bounded by the 1 s timeout");
    }

    [TestCase("not a url")]
    [TestCase("ftp://jira.example")]
    [TestCase("http://jira.example/?x=1")]
    public async Task A_bad_override_stops_the_start(string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await (await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Jira:ApiBaseUrlOverride"] = value })).DisposeAsync());
        Assert.That(ex!.Message, Does.Contain("Jira:ApiBaseUrlOverride"));
    }

    [Test]
    public async Task In_development_mode_listed_accounts_are_admins_without_asking_Jira()
    {
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?>
        {
            ["DevIssuer:Enabled"] = "true",
            ["DevIssuer:AdminAccountIds:0"] = "dev-alice",
        });
        var dev = backend.Services.GetRequiredService<DevTokenIssuer>();
        var tenant = Samples.NewTenant();
        string Token(string account) => dev.Mint(TestIssuer.For(tenant, account), DateTimeOffset.UtcNow);

        using var alice = await backend.SendWithTokenAsync(HttpMethod.Post, "/api/webhooks", Token("dev-alice"), new { name = "a" }, withUserToken: false);
        Assert.That(alice.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(backend.Jira.CallCount, Is.Zero);

        using var defaultAdmin = await backend.SendWithTokenAsync(HttpMethod.Post, "/api/webhooks", Token("dev-admin"), new { name = "b" });
        Assert.That(defaultAdmin.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a configured list replaces the default");
        Assert.That(backend.Jira.CallCount, Is.EqualTo(1), "anyone else is checked with Jira as usual");
    }

    [Test]
    public async Task Outside_development_mode_the_development_admins_mean_nothing()
    {
        await using var backend = await BackendHost.StartAsync(_issuer);
        using var response = await backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "x" }, accountId: "dev-admin");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(backend.Jira.CallCount, Is.EqualTo(1));
    }
}
