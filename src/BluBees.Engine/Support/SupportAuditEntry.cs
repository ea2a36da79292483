namespace BluBees.Engine.Support;

/// <summary>
/// One support read, allowed or denied, in the tenant partition at <c>AUDIT#&lt;time&gt;#&lt;id&gt;</c>.
/// Holds who (the identity provider's subject), what (route and filter parameters: metadata) and why.
/// Denials of one actor for one reason within <see cref="SupportAuditStore.DenialWindow"/> of the first are one
/// entry: <see cref="Count"/> denials, the first at <see cref="At"/> (its route and query), the last at <see cref="LastAt"/>.
/// </summary>
public sealed record SupportAuditEntry(
    string Id,
    DateTimeOffset At,
    string Actor,
    string? ActorEmail,
    string TenantId,
    string Route,
    IReadOnlyDictionary<string, string> Query,
    string Outcome,
    string? GrantId,
    string? Reason,
    int Count = 1,
    DateTimeOffset? LastAt = null);

public static class SupportAuditOutcome
{
    public const string Allowed = "allowed";
    public const string Denied = "denied";
}

/// <summary>Why a support read was denied, as a closed vocabulary.</summary>
public static class SupportDenial
{
    public const string NoGrant = "no_grant";
    public const string Role = "role_missing";
    public const string Mfa = "mfa_missing";

    /// <summary>The token shows MFA but not when it happened (<c>auth_time</c>), or it happened too long ago.</summary>
    public const string MfaTooOld = "mfa_too_old";
}
