using System.Collections.Concurrent;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// The cache of connection pipelines, keyed by tenant + connection and rebuilt when the connection's revision
/// changes. Steps without a connection share one pipeline with timeouts and retries but no breaker or limits
/// (they have no host of their own to protect). A pipeline no step asked for in <see cref="IdleLimit"/> is dropped
/// (swept at most every <see cref="SweepInterval"/>): the cache held every connection ever used, deleted ones and
/// uninstalled tenants' included, for the life of the process. Nothing is lost by dropping it: a call ends within its
/// connection's timeout (at most 300 s) and a breaker opens for at most 600 s, so after an idle hour its state is the
/// state a new pipeline starts with. A tenant's pipelines go at once at its uninstall (<see cref="ForgetTenant"/>).
/// </summary>
internal sealed class ConnectionPipelines(TimeProvider time) : IDisposable, ITenantMemory
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromHours(1);
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(TenantId Tenant, string Connection), Entry> _pipelines = new();
    private readonly Lock _gate = new();
    private readonly ConnectionPipeline _connectionless = new(0, ResiliencePolicy.Default, time, shared: false);
    private long _nextSweep = time.GetUtcNow().Add(SweepInterval).UtcTicks;

    /// <summary>Pipelines cached now (for tests).</summary>
    internal int Count => _pipelines.Count;

    public ConnectionPipeline For(TenantId tenantId, Connection? connection)
    {
        if (connection is null)
        {
            return _connectionless;
        }

        var now = time.GetUtcNow().UtcTicks;
        SweepIfDue(now);
        var key = (tenantId, connection.Id);
        if (_pipelines.TryGetValue(key, out var entry) && entry.Pipeline.Revision >= connection.Revision)
        {
            Volatile.Write(ref entry.LastUsed, now);
            return entry.Pipeline;
        }

        lock (_gate)
        {
            if (_pipelines.TryGetValue(key, out entry) && entry.Pipeline.Revision >= connection.Revision)
            {
                Volatile.Write(ref entry.LastUsed, now);
                return entry.Pipeline;
            }

            var built = new ConnectionPipeline(connection.Revision, (connection.Resilience ?? new ConnectionResilience()).Resolve(), time, shared: true, instance: connection.Id);
            _pipelines[key] = new Entry(built, now);

            // Calls still running on the old revision's limiter are released (refused), not stranded.
            entry?.Pipeline.Dispose();
            return built;
        }
    }

    /// <summary>
    /// Drops every pipeline of the tenant at its uninstall (<see cref="TenantService"/>): its breaker and rate-limit
    /// state stayed up to <see cref="IdleLimit"/> after it, and a reinstall under the same id started from it. Dropped
    /// as the sweep drops an idle one (not disposed): a call of a run still in flight ends on the pipeline it holds.
    /// </summary>
    public void ForgetTenant(TenantId tenantId)
    {
        foreach (var key in _pipelines.Keys)
        {
            if (key.Tenant == tenantId)
            {
                _pipelines.TryRemove(key, out _);
            }
        }
    }

    private void SweepIfDue(long now)
    {
        var due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + SweepInterval.Ticks, due) != due)
        {
            return;
        }

        var idleSince = now - IdleLimit.Ticks;
        foreach (var (key, entry) in _pipelines)
        {
            if (Volatile.Read(ref entry.LastUsed) < idleSince)
            {
                // Only this entry: one rebuilt meanwhile (a new revision) is another entry and stays.
                _pipelines.TryRemove(new KeyValuePair<(TenantId, string), Entry>(key, entry));
            }
        }
    }

    public void Dispose()
    {
        foreach (var entry in _pipelines.Values)
        {
            entry.Pipeline.Dispose();
        }

        _connectionless.Dispose();
    }

    private sealed class Entry(ConnectionPipeline pipeline, long lastUsed)
    {
        public readonly ConnectionPipeline Pipeline = pipeline;
        public long LastUsed = lastUsed;
    }
}
