using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// The whole-answer deadline of the permission check and of reads as the user is kept on the injected TimeProvider:
/// a body that takes longer than Jira:TimeoutSeconds of real time while the fake clock stands still is read whole, and
/// the same body is given up (503) as soon as the fake clock passes the deadline.
/// </summary>
public sealed class JiraDeadlineClockTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestIssuer _issuer = null!;
    private BackendHost _backend = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await TestIssuer.StartAsync();
        _backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["Jira:TimeoutSeconds"] = "1" }, s => s.AddSingleton<TimeProvider>(_clock));
        _backend.Jira.UserIssues["OPS-9"] = new JsonObject { ["id"] = "10009", ["key"] = "OPS-9", ["fields"] = new JsonObject() };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _backend.Jira.HoldBodies = null;
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    /// <summary>Sends with the answer's body held until Jira has been asked and real time passed the 1 s timeout; then lets it through, or moves the fake clock past it.</summary>
    private async Task<HttpStatusCode> HeldAsync(Func<Task<HttpResponseMessage>> send, Func<int> asked, bool advanceClock)
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _backend.Jira.HoldBodies = hold;
        var calls = asked();
        var sending = send();
        for (var i = 0; i < 500 && asked() == calls; i++)
        {
            await Task.Delay(20);
        }

        Assert.That(asked(), Is.GreaterThan(calls), "Jira was asked");

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // real time past Jira:TimeoutSeconds; the fake clock has not moved
        if (advanceClock)
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
        }
        else
        {
            hold.TrySetResult();
        }

        using var response = await sending.WaitAsync(TimeSpan.FromSeconds(30));
        hold.TrySetResult();
        _backend.Jira.HoldBodies = null;
        return response.StatusCode;
    }

    [Test]
    public async Task The_permission_checks_deadline_runs_on_the_injected_clock()
    {
        Assert.That(await HeldAsync(() => _backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "a" }), () => _backend.Jira.CallCount, advanceClock: false),
            Is.EqualTo(HttpStatusCode.Created), "the fake clock did not pass the deadline: the slow answer is read");
        Assert.That(await HeldAsync(() => _backend.SendAsync(HttpMethod.Post, "/api/webhooks", Samples.NewTenant(), new { name = "b" }), () => _backend.Jira.CallCount, advanceClock: true),
            Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the fake clock passed the deadline: given up");
    }

    [Test]
    public async Task A_read_as_the_users_deadline_runs_on_the_injected_clock()
    {
        var admin = Samples.NewTenant();
        using (var warm = await _backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin))
        {
            Assert.That(warm.StatusCode, Is.EqualTo(HttpStatusCode.OK), "control, and the admin's permission is now cached");
        }

        Assert.That(await HeldAsync(() => _backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin), () => _backend.Jira.UserReads.Count, advanceClock: false),
            Is.EqualTo(HttpStatusCode.OK), "the fake clock did not pass the deadline: the slow issue is read");
        Assert.That(await HeldAsync(() => _backend.SendAsync(HttpMethod.Get, "/api/issues/OPS-9/sample-event", admin), () => _backend.Jira.UserReads.Count, advanceClock: true),
            Is.EqualTo(HttpStatusCode.ServiceUnavailable), "the fake clock passed the deadline: given up");
    }
}
