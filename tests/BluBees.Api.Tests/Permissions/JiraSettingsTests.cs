using System.Net;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Permissions;

/// <summary>The Jira settings: the call timeout, the validated override, and development administrators.</summary>
public sealed class JiraSettingsTests
{
    /// <summary>
    /// Turns a hang into a failure: far past the 1 s Jira timeout, under the test client's own 30 s, never a pass
    /// condition on time.
    /// </summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

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

        // Jira never answers by itself: only the backend's Jira timeout can end the call before the hang guard.
        backend.Jira.Delay = TimeSpan.FromMinutes(10);
        using var response = await backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "slow" }).WaitAsync(HangGuard);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(backend.Logs.AllText, Does.Contain("Jira permission check failed: TaskCanceledException").Or.Contain("Jira permission check failed: TimeoutException"));
    }

    [Test]
    public async Task A_Jira_whose_answer_stalls_after_its_headers_is_a_503_after_the_timeout_not_a_hang()
    {
        // The deadline over the headers and the body runs on the backend's clock: moved here by exactly the configured
        // 1 s per Jira call once Jira holds the call, it must end each one (the 5 s default would not), with no race
        // against real time. HttpClient.Timeout (real time) no longer applies once the headers are in.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Jira:TimeoutSeconds"] = "1" }, s => s.AddSingleton<TimeProvider>(clock));
        try
        {
            await StalledCallsEndOnTheConfiguredTimeoutAsync(backend, clock);
        }
        finally
        {
            await backend.DisposeAsync(clock);
        }
    }

    private static async Task StalledCallsEndOnTheConfiguredTimeoutAsync(BackendHost backend, FakeTimeProvider clock)
    {
        backend.Jira.UserIssues["OPS-9"] = new System.Text.Json.Nodes.JsonObject { ["id"] = "10009", ["key"] = "OPS-9", ["fields"] = new System.Text.Json.Nodes.JsonObject() };
        var admin = Samples.NewTenant();
        using (var warm = await backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin))
        {
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control: the read works, and the admin's permission is now cached");
        }

        // Headers and the first bytes arrive, then nothing: HttpClient.Timeout no longer applies once headers are in.
        backend.Jira.StallBodies = true;
        using (var write = await WithClockPerJiraCallAsync(backend, clock, () => backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "stalled" })))
        {
            Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the permission check gives up");
        }

        using (var me = await WithClockPerJiraCallAsync(backend, clock, () => backend.SendAsync(HttpMethod.Get, "/api/me", Samples.NewTenant())))
        {
            Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK), "/api/me answers (without edit rights) instead of hanging");
        }

        using (var read = await WithClockPerJiraCallAsync(backend, clock, () => backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin)))
        {
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the read as the user gives up");
        }
    }

    /// <summary>
    /// Sends with <paramref name="send"/> and waits for the answer, moving the backend's clock by the configured 1 s each time Jira receives a
    /// permission question or a read as the user (once it arrived, its deadline is pending). Fails if the call
    /// outlives the hang guard.
    /// </summary>
    private static async Task<HttpResponseMessage> WithClockPerJiraCallAsync(BackendHost backend, FakeTimeProvider clock, Func<Task<HttpResponseMessage>> send)
    {
        var guard = Task.Delay(HangGuard);
        // Counted before the call starts: counted after, a Jira call that had already arrived (a loaded machine) was
        // taken for an earlier one, the clock never moved for it, and the call waited out the hang guard.
        var advanced = JiraCalls(backend);
        var call = send();
        while (!call.IsCompleted)
        {
            if (JiraCalls(backend) > advanced)
            {
                advanced++;
                clock.Advance(TimeSpan.FromSeconds(1));
                continue;
            }

            Assert.That(guard.IsCompleted, Is.False, $"the call outlived the {HangGuard.TotalSeconds} s hang guard");
            await Task.WhenAny(call, Task.Delay(10));
        }

        return await call;
    }

    /// <summary>Permission questions and reads as the user that reached Jira so far.</summary>
    private static int JiraCalls(BackendHost backend) => backend.Jira.CallCount + backend.Jira.UserReads.Count;

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
