using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using Microsoft.Extensions.Options;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// A tenant admin must not be able to tell from a run whether a host name exists in the operator's private DNS (a VPC
/// zone, a cluster service name): an internal name that resolves to a private address used to fail as
/// blocked_destination, a name that does not exist as connection_failed (found by an adversarial sweep). Nothing is
/// sent either way. Now both fail alike for the tenant; the operator's log still tells them apart.
/// </summary>
public sealed class InternalNameOracleTests
{
    [Test]
    public async Task An_internal_name_and_a_missing_name_fail_alike()
    {
        var resolver = new FakeResolver().Map("redis.default.svc.cluster.local", "10.96.0.12");
        using var kit = new EgressTestKit(EgressTestKit.BlockingOptions(), resolver);

        var existing = await kit.GetAsync("https://redis.default.svc.cluster.local/");
        var missing = await kit.GetAsync("https://nothing.default.svc.cluster.local/");

        Assert.Multiple(() =>
        {
            Assert.That(existing.Completed, Is.False);
            Assert.That(missing.Completed, Is.False);
            Assert.That(EgressCategories.Of(existing.Failure), Is.EqualTo(EgressCategories.Of(missing.Failure)),
                "the run record's category must not reveal whether the internal name exists");
            Assert.That(existing.Failure, Is.EqualTo(EgressFailure.ConnectionFailed));
            Assert.That(existing.Error!.Replace("redis", "nothing", StringComparison.Ordinal), Is.EqualTo(missing.Error), "nor must the message");
            Assert.That(existing.Error, Does.Not.Contain("10.96"));
        });
    }

    [Test]
    public async Task A_literal_private_address_is_still_a_blocked_destination()
    {
        using var kit = new EgressTestKit(EgressTestKit.BlockingOptions());

        var response = await kit.GetAsync("https://10.96.0.12/");

        Assert.That(response.Failure, Is.EqualTo(EgressFailure.BlockedDestination));
        Assert.That(kit.Resolver.TotalCalls, Is.Zero);
    }

    [Test]
    public async Task The_operator_log_tells_a_blocked_name_from_a_missing_one_without_naming_either()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var resolver = new FakeResolver().Map("redis.default.svc.cluster.local", "10.96.0.12");
        using var guard = new EgressGuard(Options.Create(EgressTestKit.BlockingOptions()), resolver, new Policies.ListLogger<EgressGuard>(lines));
        var client = new GuardedHttpClient(guard);

        await client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("https://redis.default.svc.cluster.local/")), CancellationToken.None);
        var afterBlocked = lines.Count;
        await client.SendAsync(new EgressRequest(HttpMethod.Get, new Uri("https://nothing.default.svc.cluster.local/")), CancellationToken.None);

        var text = string.Join('\n', lines);
        Assert.Multiple(() =>
        {
            Assert.That(afterBlocked, Is.EqualTo(1));
            Assert.That(lines.Count, Is.EqualTo(1), "a missing name logs no blocked line");
            Assert.That(text, Does.Contain("Egress blocked").And.Contain("name").And.Contain("private network"));
            Assert.That(text, Does.Not.Contain("redis").And.Not.Contain("10.96"));
        });
    }
}
