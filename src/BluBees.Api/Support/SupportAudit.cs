using BluBees.Engine.Storage;
using BluBees.Engine.Support;
using BluBees.Engine.Tenancy;
using BluBees.Engine.Validation;

namespace BluBees.Api.Support;

/// <summary>
/// Records a support read in the tenant's audit trail before any data is returned: if the write fails, the
/// read fails. Denials are recorded for tenants that exist here (installed, or ever granted access, and not marked
/// uninstalled); for any other tenant id only the operator log sees them, so nobody can fill partitions of tenants
/// that do not exist.
/// Repeated denials of one actor for one reason are counted in one entry per <see cref="SupportAuditStore.DenialWindow"/>,
/// so denied requests cannot flood the tenant's trail.
/// </summary>
internal sealed partial class SupportAudit(SupportAuditStore audit, SupportGrantStore grants, UninstalledInstallations uninstalled, TenantService tenants, IStore store, ILogger<SupportAudit> logger)
{
    /// <summary>The run-log filter parameters, the only query values a support route reads.</summary>
    public static readonly string[] QueryKeys = ["ruleId", "status", "from", "to", "limit", "cursor"];
    private const int MaxValueLength = 200;
    private const int MaxRouteLength = 400;
    private const string NotATenant = "(not an installation id)";

    /// <summary>How many uninstalls this instance has marked: noted before a request's checks, and given to <see cref="RecordAsync"/>.</summary>
    public long Marks => uninstalled.Marks;

    /// <summary>
    /// Writes the entry (or counts the denial). True when the tenant was uninstalled on this instance after
    /// <paramref name="marksBefore"/> was noted: a request that passed its checks just before the uninstall may have
    /// written after the delete, so the partition is erased again (as <c>UninstalledMeanwhileFilter</c> does for /api)
    /// and the caller answers no data.
    /// </summary>
    public async Task<bool> RecordAsync(HttpContext context, SupportIdentity who, TenantId tenantId, string outcome, string? grantId, string? reason, long marksBefore)
    {
        var ct = context.RequestAborted;
        var route = Route(context);
        // Who, as the identity provider says, neutralized like route and query: an e-mail is often editable by its owner.
        var actor = DisplayText.Neutralized(who.Subject);
        LogRead(logger, outcome, tenantId.Value, actor, reason ?? "-", route);
        if (outcome == SupportAuditOutcome.Denied && !await TenantKnownAsync(tenantId, ct))
        {
            return false;
        }

        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in QueryKeys)
        {
            if (context.Request.Query[key].ToString() is { Length: > 0 } value)
            {
                query[key] = DisplayText.Neutralized(Truncate(value, MaxValueLength));
            }
        }

        var email = who.Email is null ? null : DisplayText.Neutralized(who.Email);
        SupportAuditEntry Create(string id, DateTimeOffset at) => new(id, at, actor, email, tenantId.Value, route, query, outcome, grantId, reason);
        if (outcome != SupportAuditOutcome.Denied)
        {
            await audit.WriteAsync(tenantId, Create, ct);
        }
        else if (await audit.WriteDeniedAsync(tenantId, who.Subject, reason ?? SupportDenial.NoGrant, Create, ct) is null)
        {
            LogDenialNotCounted(logger, tenantId.Value, actor);
        }

        if (uninstalled.Marks == marksBefore || !await uninstalled.IsMarkedAsync(tenantId, CancellationToken.None))
        {
            return false;
        }

        await tenants.EraseAfterUninstallAsync(tenantId, CancellationToken.None);
        return true;
    }

    /// <summary>
    /// A denial on a route whose tenant is not an installation id: no tenant's audit can hold it, so only the operator
    /// log sees who tried and why (the route is cut and neutralized as in the audit).
    /// </summary>
    public void RecordUnaddressed(HttpContext context, SupportIdentity who, string reason)
        => LogRead(logger, SupportAuditOutcome.Denied, NotATenant, DisplayText.Neutralized(who.Subject), reason, Route(context));

    /// <summary>Installed or ever granted access, and not uninstalled (whatever a refused delete left in its partition).</summary>
    private async Task<bool> TenantKnownAsync(TenantId tenantId, CancellationToken ct)
        => !await uninstalled.IsMarkedAsync(tenantId, ct)
            && (await store.ForTenant(tenantId).GetAsync(Keys.TenantMeta, ct) is not null || await grants.AnyAsync(tenantId, ct));

    /// <summary>
    /// Method (as sent: a HEAD answered as a GET is HEAD, <see cref="Infrastructure.HeadRequests"/>) and path as requested,
    /// cut, with control and text-direction characters neutralized: the tenant reads it.
    /// </summary>
    private static string Route(HttpContext context)
        => DisplayText.Neutralized(Truncate(Infrastructure.HeadRequests.MethodAsSent(context) + " " + (context.Request.Path.Value ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase), MaxRouteLength));

    /// <summary>At most <paramref name="max"/> characters, never half of a surrogate pair.</summary>
    private static string Truncate(string value, int max)
        => value.Length <= max ? value : value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support denial for tenant {TenantId} by {Actor} not counted: its audit entry changed concurrently on every attempt")]
    private static partial void LogDenialNotCounted(ILogger logger, string tenantId, string actor);

    [LoggerMessage(Level = LogLevel.Information, Message = "Support read {Outcome} for tenant {TenantId} by {Actor} (reason {Reason}): {Route}")]
    private static partial void LogRead(ILogger logger, string outcome, string tenantId, string actor, string reason, string route);
}
