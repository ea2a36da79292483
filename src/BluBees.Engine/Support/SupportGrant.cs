namespace BluBees.Engine.Support;

/// <summary>
/// A tenant admin's permission for support staff to read the tenant's operational logs until
/// <see cref="ExpiresAt"/>, unless revoked earlier. Stored at <c>GRANT#&lt;id&gt;</c> in the tenant partition.
/// </summary>
public sealed record SupportGrant(
    string Id,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string CreatedBy,
    string? Reason,
    DateTimeOffset? RevokedAt = null,
    string? RevokedBy = null)
{
    /// <summary>Longest grant an admin can give (one week).</summary>
    public const int MaxHours = 168;

    public const int MaxReasonLength = 500;

    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && ExpiresAt > now;
}
