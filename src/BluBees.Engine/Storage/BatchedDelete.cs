namespace BluBees.Engine.Storage;

/// <summary>
/// A delete of unbounded size run as writes of at most a batch each, so that no single write holds the SQLite file's
/// write lock (or the queue's one writer) for as long as the whole delete takes: other tenants' writes go in between.
/// </summary>
internal static class BatchedDelete
{
    /// <summary>Runs <paramref name="batch"/> until it deletes fewer than <paramref name="batchSize"/> rows; returns the total.</summary>
    public static async Task<int> UntilShortAsync(int batchSize, Func<Task<int>> batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var total = 0;
        int deleted;
        do
        {
            deleted = await batch();
            total += deleted;
        }
        while (deleted == batchSize);

        return total;
    }
}
