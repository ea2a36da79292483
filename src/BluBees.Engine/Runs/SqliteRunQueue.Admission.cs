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
    /// <summary>
    /// The queue's messages and their stored bytes, in one scan of the small <c>run_queue_bytes</c> index (the table
    /// itself holds the bodies, up to megabytes each).
    /// </summary>
    private static (long Count, long Bytes) Totals(SqliteWriter w)
    {
        using var reader = w.Command("SELECT COUNT(*), TOTAL(size) FROM run_queue INDEXED BY run_queue_bytes;").ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), (long)reader.GetDouble(1));
    }

    /// <summary>
    /// Whether the queue takes no message of this tenant now: it is at capacity in messages or in bytes, or the tenant
    /// holds its share of either (<see cref="RunOptions.PerTenantQueuePercent"/>), or the queue is down to its reserve
    /// (<see cref="RunOptions.QueueReserve"/>, <see cref="RunOptions.QueueReserveBytes"/>) and the tenant already holds its
    /// allowance of it (<see cref="RunOptions.QueueReserveAllowance"/>: an eighth, at least one message): the reserve is
    /// for tenants with little queued, so two tenants at their share cannot fill the queue between them, and a quiet
    /// tenant's burst still gets in. The tenant's messages are counted (on its index, up to the share), and its bytes summed, only
    /// when the whole queue holds at least a share of that measure: below it no tenant can hold its share.
    /// </summary>
    private bool Full(SqliteWriter w, string tenantId)
    {
        var (queued, bytes) = Totals(w);
        if (queued >= _options.QueueCapacity || bytes >= _options.QueueCapacityBytes)
        {
            return true;
        }

        if ((queued >= _options.QueueCapacity - _options.QueueReserve || bytes >= _options.QueueCapacityBytes - _options.QueueReserveBytes)
            && HoldsReserveAllowance(w, tenantId))
        {
            return true;
        }

        var share = _options.PerTenantQueueCapacity;
        if (queued >= share)
        {
            var command = w.Command("SELECT COUNT(*) FROM (SELECT 1 FROM run_queue WHERE tenant = $tenant LIMIT $share);");
            command.Parameters.AddWithValue("$tenant", tenantId);
            command.Parameters.AddWithValue("$share", share);
            if ((long)command.ExecuteScalar()! >= share)
            {
                return true;
            }
        }

        if (bytes >= _options.PerTenantQueueBytes)
        {
            var command = w.Command("SELECT TOTAL(size) FROM run_queue INDEXED BY run_queue_bytes WHERE tenant = $tenant;");
            command.Parameters.AddWithValue("$tenant", tenantId);
            return (double)command.ExecuteScalar()! >= _options.PerTenantQueueBytes;
        }

        return false;
    }

    private bool HoldsReserveAllowance(SqliteWriter w, string tenantId)
    {
        var allowance = _options.QueueReserveAllowance;
        var command = w.Command("SELECT COUNT(*) FROM (SELECT 1 FROM run_queue WHERE tenant = $tenant LIMIT $allowance);");
        command.Parameters.AddWithValue("$tenant", tenantId);
        command.Parameters.AddWithValue("$allowance", allowance);
        if ((long)command.ExecuteScalar()! >= allowance)
        {
            return true;
        }

        var bytes = w.Command("SELECT TOTAL(size) FROM run_queue INDEXED BY run_queue_bytes WHERE tenant = $tenant;");
        bytes.Parameters.AddWithValue("$tenant", tenantId);
        return (double)bytes.ExecuteScalar()! >= _options.QueueReserveAllowanceBytes;
    }
}
