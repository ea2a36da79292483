namespace BluBees.Engine.Storage;

/// <summary>
/// A store whose deletes can leave old copies of deleted items behind (SQLite: stale frames in the <c>-wal</c>
/// file) implements this so that tenant deletion can wipe them. DynamoDB has nothing of the kind to wipe here
/// (what its backups keep is stated in docs/security.md).
/// </summary>
internal interface IResidueEraser
{
    /// <summary>
    /// Makes every earlier delete unrecoverable from the store's own files. Returns false when it could not
    /// finish now (another connection held an old snapshot); the store retries on its next purge and on close.
    /// </summary>
    Task<bool> EraseResidueAsync(CancellationToken ct);

    /// <summary>
    /// The erase of an uninstall: besides <see cref="EraseResidueAsync"/>, rewrites every page of the store's file, so that
    /// no stale copy of a deleted row stays in space the store's own deletes never overwrite (SQLite: the unallocated
    /// space of a page after a b-tree rebalance). Returns false when it could not finish now; the store retries on its
    /// next purge.
    /// </summary>
    Task<bool> RebuildAndEraseResidueAsync(CancellationToken ct);

    /// <summary>
    /// Asks the store's next purge to rewrite every page of its file, as <see cref="RebuildAndEraseResidueAsync"/> does
    /// (for deletes while the tenant stays installed, which are many and small: one rebuild per purge interval covers them all).
    /// </summary>
    void RebuildAtNextPurge();
}

/// <summary>
/// The erase after deleting or replacing a secret or a rule definition while the tenant stays installed: its data key
/// still opens any old copy of the ciphertext, so none may stay in the store's files (SQLite's WAL keeps the page
/// images of earlier commits until it is checkpointed and truncated: erased now; a b-tree rebalance may have left a stale
/// copy of the row in a page's unallocated space: the next purge rebuilds the file). Not cancellable: the delete is
/// already done.
/// </summary>
internal static class ResidueErasure
{
    public static Task<bool> AfterDeleteAsync(IStore store)
    {
        if (store is not IResidueEraser eraser)
        {
            return Task.FromResult(true);
        }

        eraser.RebuildAtNextPurge();
        return eraser.EraseResidueAsync(CancellationToken.None);
    }

    /// <summary>
    /// The erase after an operator's key rotation re-wrapped every data key (<c>blubees keys rotate</c>, in a process of its
    /// own, which never purges): the file is rebuilt now, so that no stale copy of a data key as wrapped under the replaced
    /// key-encryption key stays in a page's unallocated space, then the WAL is erased.
    /// </summary>
    public static Task<bool> AfterReWrapAsync(IStore store)
        => store is IResidueEraser eraser ? eraser.RebuildAndEraseResidueAsync(CancellationToken.None) : Task.FromResult(true);
}
