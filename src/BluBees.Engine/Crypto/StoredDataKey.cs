namespace BluBees.Engine.Crypto;

/// <summary>The stored form of a tenant's wrapped data key (item <c>KEY</c> of the tenant partition).</summary>
internal sealed record StoredDataKey(string KeyId, string Wrapped, DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt = null);
