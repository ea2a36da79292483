using System.Runtime.CompilerServices;

namespace BluBees.Engine.Storage;

/// <summary>Every tenant partition holding a live data key (<see cref="IDataKeyScan"/>).</summary>
internal sealed partial class SqliteStore : IDataKeyScan
{
    public async IAsyncEnumerable<TenantId> TenantsWithDataKeyAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var prefix = Keys.TenantPartitionPrefix;
        var tenants = new List<TenantId>();
        await using (var connection = Open())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT pk FROM items WHERE sk = $sk AND substr(pk, 1, length($prefix)) = $prefix AND (expires_at IS NULL OR expires_at > $now);";
            command.Parameters.AddWithValue("$sk", Keys.DataKey);
            command.Parameters.AddWithValue("$prefix", prefix);
            command.Parameters.AddWithValue("$now", Now);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                tenants.Add(new TenantId(Keys.TenantOfPartition(reader.GetString(0))));
            }
        }

        foreach (var tenant in tenants)
        {
            yield return tenant;
        }
    }
}
