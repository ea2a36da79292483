namespace BluBees.Engine.Storage;

/// <summary>
/// One item of the single logical table. <see cref="Pk"/> is always tenant-scoped (<c>T#&lt;tenant&gt;</c>)
/// except for the operator directory partition. <see cref="Data"/> is a JSON document that never holds
/// pass-through data. <see cref="ExpiresAt"/> is Unix seconds (DynamoDB's <c>ttl</c>); expired items are
/// invisible to every read, whatever the backend's own expiry does.
/// <see cref="Revision"/> supports optimistic concurrency (<see cref="IStore.PutIfRevisionAsync"/>).
/// </summary>
public sealed record StoreItem(string Pk, string Sk, string Data, long? ExpiresAt = null, long Revision = 0);
