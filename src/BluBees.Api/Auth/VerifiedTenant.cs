using System.Reflection;
using BluBees.Engine.Storage;
using BluBees.Engine.Tenancy;

namespace BluBees.Api.Auth;

/// <summary>
/// The tenant of a request as a handler parameter: bound from what <see cref="ForgeAuthenticationHandler"/> set on the
/// request after verifying the Forge Invocation Token, and from nothing else (no body, query or header is read). A
/// route reached without that (a wiring mistake: the route was not behind Forge authentication) answers 401 through
/// <see cref="NoVerifiedTenantException"/>; the handler never runs.
/// </summary>
internal sealed class VerifiedTenant : IBindableFromHttpContext<VerifiedTenant>
{
    private VerifiedTenant(TenantContext context) => Context = context;

    /// <summary>The engine's view of the tenant (installation, cloud, API base URL, calling user).</summary>
    public TenantContext Context { get; }

    /// <summary><c>app.installationId</c>, as the owner of the tenant's store partition: the one conversion from the
    /// token's string, which every service below takes as a <see cref="TenantId"/>.</summary>
    public TenantId Id => Context.Id;

    /// <summary>The Atlassian account of the calling user; null when the token names none.</summary>
    public string? AccountId => Context.PrincipalAccountId;

    public static ValueTask<VerifiedTenant?> BindAsync(HttpContext context, ParameterInfo parameter)
        => ValueTask.FromResult<VerifiedTenant?>(Of(context));

    /// <summary>The same, for filters that run before the handler.</summary>
    public static VerifiedTenant Of(HttpContext context)
        => context.Features.Get<TenantContext>() is { } tenant ? new VerifiedTenant(tenant) : throw new NoVerifiedTenantException();
}

/// <summary>A handler asked for the tenant of a request that Forge authentication did not verify: answered 401.</summary>
internal sealed class NoVerifiedTenantException() : Exception("No verified tenant on this request.");
