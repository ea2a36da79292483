using System.Text.Json;
using BluBees.Engine.Common;
using BluBees.Engine.Crypto;
using BluBees.Engine.Json;
using BluBees.Engine.Observability;
using BluBees.Engine.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Runs;

/// <summary>Admission: the queue's capacity, each tenant's share and the reserve for quiet tenants.</summary>
public sealed partial class SqliteRunQueue
{
    /// <summary>The queue's messages and their stored bytes: one row, kept by triggers (<see cref="CountQueue"/>).</summary>
    private static (long Count, long Bytes) Totals(SqliteWriter w)
    {
        using var reader = w.Command("SELECT messages, bytes FROM run_queue_total WHERE id = 1;").ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>The tenant's queued messages and their stored bytes: one row, or none when it has nothing queued.</summary>
    private static (long Count, long Bytes) TenantTotals(SqliteWriter w, string tenantId)
    {
        var command = w.Command("SELECT messages, bytes FROM run_queue_tenant_total WHERE tenant = $tenant;");
        command.Parameters.AddWithValue("$tenant", tenantId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    /// <summary>
    /// Whether the queue takes no message of this tenant now: it is at capacity in messages or in bytes, or the tenant
    /// holds its share of either (<see cref="RunOptions.PerTenantQueuePercent"/>), or the queue is down to its reserve
    /// (<see cref="RunOptions.QueueReserve"/>, <see cref="RunOptions.QueueReserveBytes"/>) and the tenant already holds its
    /// allowance of it (<see cref="RunOptions.QueueReserveAllowance"/>: an eighth, at least one message): the reserve is
    /// for tenants with little queued, so two tenants at their share cannot fill the queue between them, and a quiet
    /// tenant's burst still gets in. Two point reads, whatever the queue's depth: the totals are kept by triggers.
    /// </summary>
    private bool Full(SqliteWriter w, string tenantId)
    {
        var (queued, bytes) = Totals(w);
        if (queued >= _options.QueueCapacity || bytes >= _options.QueueCapacityBytes)
        {
            return true;
        }

        if (queued < _options.PerTenantQueueCapacity && bytes < _options.PerTenantQueueBytes
            && queued < _options.QueueCapacity - _options.QueueReserve && bytes < _options.QueueCapacityBytes - _options.QueueReserveBytes)
        {
            return false; // no tenant can hold its share, and the reserve is untouched
        }

        var (tenantQueued, tenantBytes) = TenantTotals(w, tenantId);
        if ((queued >= _options.QueueCapacity - _options.QueueReserve || bytes >= _options.QueueCapacityBytes - _options.QueueReserveBytes)
            && (tenantQueued >= _options.QueueReserveAllowance || tenantBytes >= _options.QueueReserveAllowanceBytes))
        {
            return true;
        }

        return tenantQueued >= _options.PerTenantQueueCapacity || tenantBytes >= _options.PerTenantQueueBytes;
    }
}
