using System.Collections.Concurrent;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Connections.Resilience;

/// <summary>
/// The cache of connection pipelines, keyed by tenant + connection and rebuilt when the connection's revision
/// changes. Steps without a connection share one pipeline with timeouts and retries but no breaker or limits
/// (they have no host of their own to protect).
/// </summary>
internal sealed class ConnectionPipelines(TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<(TenantId Tenant, string Connection), ConnectionPipeline> _pipelines = new();
    private readonly Lock _gate = new();
    private readonly ConnectionPipeline _connectionless = new(0, ResiliencePolicy.Default, time, shared: false);

    public ConnectionPipeline For(TenantId tenantId, Connection? connection)
    {
        if (connection is null)
        {
            return _connectionless;
        }

        var key = (tenantId, connection.Id);
        if (_pipelines.TryGetValue(key, out var pipeline) && pipeline.Revision >= connection.Revision)
        {
            return pipeline;
        }

        lock (_gate)
        {
            if (_pipelines.TryGetValue(key, out pipeline) && pipeline.Revision >= connection.Revision)
            {
                return pipeline;
            }

            var built = new ConnectionPipeline(connection.Revision, (connection.Resilience ?? new ConnectionResilience()).Resolve(), time, shared: true, instance: connection.Id);
            _pipelines[key] = built;

            // Calls still running on the old revision's limiter are released (refused), not stranded.
            pipeline?.Dispose();
            return built;
        }
    }

    public void Dispose()
    {
        foreach (var pipeline in _pipelines.Values)
        {
            pipeline.Dispose();
        }

        _connectionless.Dispose();
    }
}
