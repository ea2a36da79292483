using BluBees.Engine.Support;
using BluBees.Engine.Tenancy;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Support;

/// <summary>
/// Runs on every <c>/support</c> route after authentication: the tenant named by the route must have an active
/// grant. Every outcome is audited before the handler runs; the handler reads the tenant from the
/// <see cref="SupportTenant"/> this filter sets, never from the route.
/// </summary>
internal sealed class SupportAccessFilter(SupportGrantStore grants, UninstalledInstallations uninstalled, SupportAudit audit, IOptions<SupportOptions> options, TimeProvider time) : IEndpointFilter
{
    /// <summary>
    /// The filter of one endpoint, from the application's services (what <c>AddEndpointFilter&lt;T&gt;</c> does, without
    /// the exception it throws and catches, and the expression tree it compiles, at start-up).
    /// </summary>
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var filter = ActivatorUtilities.CreateInstance<SupportAccessFilter>(context.ApplicationServices);
        return invocation => filter.InvokeAsync(invocation, next);
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var marks = audit.Marks; // before any check: an uninstall after it is seen when the audit is written
        var identity = SupportIdentity.From(http.User) ?? throw new InvalidOperationException("Support route reached without the Support scheme.");
        if (SupportTenant.FromRoute(http) is not { } tenantId)
        {
            // Not an installation id: no tenant to audit in (the operator log only), and the same answer as a tenant without a grant.
            audit.RecordUnaddressed(http, identity, SupportDenial.NoGrant);
            return SupportProblems.Forbidden(SupportDenial.NoGrant);
        }

        // The policy checked role and MFA (and its age) already; checked again so a mis-wired route cannot skip them.
        if (identity.Denial(options.Value, time.GetUtcNow()) is { } denial)
        {
            await audit.RecordAsync(http, identity, tenantId, SupportAuditOutcome.Denied, grantId: null, denial, marks);
            return SupportProblems.Forbidden(denial);
        }

        // An uninstalled installation (marked before its partition is deleted; a delete refused part way leaves grants
        // and runs behind) is closed to support like one without a grant, and nothing is written into its partition. The
        // mark is read from the store every time (support reads are rare): no instance's cache, and no cache entry for
        // whatever tenant id a support route names.
        if (await uninstalled.IsMarkedAsync(tenantId, http.RequestAborted)
            || await grants.FindActiveAsync(tenantId, http.RequestAborted) is not { } grant)
        {
            await audit.RecordAsync(http, identity, tenantId, SupportAuditOutcome.Denied, grantId: null, SupportDenial.NoGrant, marks);
            return SupportProblems.Forbidden(SupportDenial.NoGrant);
        }

        if (await audit.RecordAsync(http, identity, tenantId, SupportAuditOutcome.Allowed, grant.Id, reason: null, marks))
        {
            // Uninstalled while this read was being let in: its partition was erased again, and nothing is read.
            return SupportProblems.Forbidden(SupportDenial.NoGrant);
        }

        http.Features.Set(new SupportTenant(tenantId, grant.Id));
        return await next(context);
    }
}
