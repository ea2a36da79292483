namespace BluBees.Api.Infrastructure;

/// <summary>
/// The primary handler of every client that calls Atlassian for the backend itself (the Forge JWKS, the permission
/// check, the user's own Jira reads): no redirect followed (a redirect would carry the user's token elsewhere), no
/// cookie jar shared between tenants, and no trace context or baggage copied from the request being served. With the
/// default <see cref="SocketsHttpHandler.ActivityHeadersPropagator"/>, the caller's <c>traceparent</c>,
/// <c>tracestate</c> and <c>baggage</c> header values were sent on to Atlassian. The no-output propagator writes no
/// header and keeps the call's client span (null would drop the span too); the step clients' egress guard sends none.
/// </summary>
internal static class AtlassianHttpHandler
{
    public static SocketsHttpHandler Create() => new() { AllowAutoRedirect = false, UseCookies = false, ActivityHeadersPropagator = NoHeaders };

    private static readonly System.Diagnostics.DistributedContextPropagator NoHeaders = System.Diagnostics.DistributedContextPropagator.CreateNoOutputPropagator();
}
