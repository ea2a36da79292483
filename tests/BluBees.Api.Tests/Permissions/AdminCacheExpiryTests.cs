using System.Net;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Permissions;

/// <summary>A cached answer lasts about a minute: a revoked administrator loses write access when it expires.</summary>
public sealed class AdminCacheExpiryTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, null, s => s.AddSingleton<TimeProvider>(_clock));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_revoked_admin_is_refused_once_the_cached_answer_expires()
    {
        var tenant = Samples.NewTenant();
        const string account = "557058:soon-revoked";
        _backend.Jira.Admins[account] = true;
        using (var first = await _backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "a" }, accountId: account))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }

        _backend.Jira.Admins.TryRemove(account, out _);
        _clock.Advance(TimeSpan.FromSeconds(50));
        using (var cached = await _backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "b" }, accountId: account))
        {
            Assert.That(cached.StatusCode, Is.EqualTo(HttpStatusCode.Created), "still within the 60 s window");
        }

        var calls = _backend.Jira.CallCount;
        _clock.Advance(TimeSpan.FromSeconds(11));
        using var expired = await _backend.SendAsync(HttpMethod.Post, "/api/webhooks", tenant, new { name = "c" }, accountId: account);
        Assert.That(expired.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(_backend.Jira.CallCount, Is.EqualTo(calls + 1));
    }
}
