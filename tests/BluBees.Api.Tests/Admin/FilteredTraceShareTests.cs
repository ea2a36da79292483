using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.Observability;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Admin;

/// <summary>
/// A filtered event (no enabled rule's trigger fires) is never queued, so the queue's per-tenant share does not bound
/// its trace write: at most one per tenant is in flight, and a filtered event of a tenant that has one skips its trace
/// (counted on <c>blubees.ingress.trace_skipped</c>) and is answered 200 <c>filtered</c> at once. Before, every
/// filtered event of a tenant started its own write (on SQLite one transaction each, on the write lock every tenant
/// shares), without any bound. The ingress's trace writes go through <see cref="HeldTraceWrites"/>.
/// </summary>
public sealed class FilteredTraceShareTests : BackendFixture
{
    protected override Action<IServiceCollection> Services => s =>
    {
        s.AddSingleton(sp => new HeldTraceWrites(sp.GetRequiredService<IStore>()));
        s.AddSingleton(sp => ActivatorUtilities.CreateInstance<EventIngestor>(
            sp, ActivatorUtilities.CreateInstance<RunStore>(sp, sp.GetRequiredService<HeldTraceWrites>())));
    };

    private Task<HttpResponseMessage> SendFiltered(string tenant, string issueKey)
        => Task.Run(() => Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event(issueKey, "Other project")));

    private static async Task AssertFilteredAsync(Task<HttpResponseMessage> sent)
    {
        using var response = await sent;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"], Is.EqualTo("filtered"));
    }

    private async Task<string[]> TraceIssueKeysAsync(string tenant, string ruleId)
        => [.. (await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{ruleId}/trace", tenant))["items"]!.AsArray().Select(e => (string)e!["issueKey"]!)];

    [Test]
    public async Task A_tenant_has_one_filtered_trace_write_in_flight_its_other_filtered_events_skip_theirs_and_another_tenant_writes()
    {
        var busy = Samples.NewTenant();
        var other = Samples.NewTenant();
        var busyRule = (string)(await CreateRuleAsync(busy, Samples.Rule(await CreateConnectionAsync(busy))))["id"]!;
        var otherRule = (string)(await CreateRuleAsync(other, Samples.Rule(await CreateConnectionAsync(other))))["id"]!;
        var writes = Backend.Services.GetRequiredService<HeldTraceWrites>();
        using var skipped = new SkipListener(Backend.Services.GetRequiredService<IMeterFactory>());

        writes.Hold(busy);
        var first = SendFiltered(busy, "WEB-1");
        try
        {
            Assert.That(await Waits.UntilAsync(() => Task.FromResult(writes.Held), n => n == 1), Is.EqualTo(1), "the first filtered event's trace write is in flight");

            // More filtered events of the busy tenant: answered while its write is held, none starts a second write.
            foreach (var key in new[] { "WEB-2", "WEB-3", "WEB-4" })
            {
                var sent = SendFiltered(busy, key);
                await Waits.UntilAsync(() => Task.FromResult(sent.IsCompleted || writes.Started(busy) > 1), done => done);
                Assert.That(writes.Started(busy), Is.EqualTo(1), $"{key}: no second trace write of the tenant started while the first is held");
                Assert.That(sent.IsCompleted, Is.True, $"{key}: answered while the tenant's trace write is held");
                await AssertFilteredAsync(sent);
            }

            // Another tenant's filtered event writes its trace while the busy tenant's is still held.
            await AssertFilteredAsync(SendFiltered(other, "WEB-5"));
            Assert.That(writes.Started(other), Is.EqualTo(1));
            Assert.That(await TraceIssueKeysAsync(other, otherRule), Is.EqualTo(new[] { "WEB-5" }));
            Assert.That(writes.Held, Is.EqualTo(1), "the busy tenant's write was held throughout");
            Assert.That(first.IsCompleted, Is.False, "the first event waits for its own trace write, as before");
            Assert.That(skipped.Total, Is.EqualTo(3), "each skipped trace write is counted");
        }
        finally
        {
            writes.Release();
        }

        await AssertFilteredAsync(first);

        // Released: the busy tenant's next filtered event writes its trace again.
        await AssertFilteredAsync(SendFiltered(busy, "WEB-6"));
        Assert.That(writes.Started(busy), Is.EqualTo(2));
        var keys = await TraceIssueKeysAsync(busy, busyRule);
        Assert.That(keys, Does.Contain("WEB-6"), "the newest entry is always in the ring");
        Assert.That(keys, Is.SubsetOf(new[] { "WEB-1", "WEB-6" }), "the skipped events left no entry");
        Assert.That(skipped.Total, Is.EqualTo(3));
    }

    /// <summary>Sums <c>blubees.ingress.trace_skipped</c> of this backend's meters only (other fixtures run in the same process).</summary>
    private sealed class SkipListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public SkipListener(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BluBeesMetrics.MeterName && instrument.Name == "blubees.ingress.trace_skipped" && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
