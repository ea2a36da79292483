using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Storage;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>
/// The connection pipelines' cache keeps what steps use and drops what they stopped using: it held every connection
/// ever used (deleted ones, uninstalled tenants' too) for the life of the process.
/// </summary>
public sealed class PipelineCacheTests
{
    private static readonly TenantId Tenant = new("t1");

    private static Connection Connection(string id) => new(id, id, "https://api.example.com", new ConnectionAuth { Type = "none" }, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) { Revision = 1 };

    [Test]
    public void A_pipeline_no_step_used_for_an_hour_is_dropped_and_one_in_use_is_kept()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero));
        using var pipelines = new ConnectionPipelines(time);
        var idle = pipelines.For(Tenant, Connection("conn_idle"));
        var busy = pipelines.For(Tenant, Connection("conn_busy"));

        // Every five minutes for 65 minutes a step uses one of the two.
        for (var minutes = 5; minutes <= 65; minutes += 5)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            Assert.That(pipelines.For(Tenant, Connection("conn_busy")), Is.SameAs(busy), $"at {minutes} min");
        }

        Assert.That(pipelines.Count, Is.EqualTo(1), "the idle one is dropped");
        Assert.That(pipelines.For(Tenant, Connection("conn_busy")), Is.SameAs(busy), "the used one keeps its breaker and limits");
        Assert.That(pipelines.For(Tenant, Connection("conn_idle")), Is.Not.SameAs(idle), "the dropped one is built anew when used again");
    }

    [Test]
    public void Connections_used_once_do_not_stay_cached_but_nothing_is_dropped_within_the_hour()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero));
        using var pipelines = new ConnectionPipelines(time);
        for (var i = 0; i < 1_000; i++)
        {
            pipelines.For(Tenant, Connection($"conn_{i}")); // e.g. created, used once, deleted
        }

        time.Advance(ConnectionPipelines.IdleLimit - TimeSpan.FromMinutes(1));
        pipelines.For(Tenant, Connection("conn_new"));
        Assert.That(pipelines.Count, Is.EqualTo(1_001), "within the idle limit every pipeline stays");

        time.Advance(TimeSpan.FromMinutes(2) + ConnectionPipelines.SweepInterval);
        pipelines.For(Tenant, Connection("conn_new"));
        Assert.That(pipelines.Count, Is.EqualTo(1), "past it only the one still used stays");
    }
}
