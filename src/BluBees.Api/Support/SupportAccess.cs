using System.Reflection;

namespace BluBees.Api.Support;

/// <summary>
/// The grant-checked tenant of a <c>/support</c> request, as a handler parameter. Minimal APIs bind parameters
/// before endpoint filters run, so this cannot carry the tenant itself: <see cref="SupportAccessFilter"/> has not
/// checked the grant yet. It reads what the filter set when the handler asks (<see cref="Tenant"/>), never the route.
/// </summary>
internal sealed class SupportAccess : IBindableFromHttpContext<SupportAccess>
{
    private readonly HttpContext _context;

    private SupportAccess(HttpContext context) => _context = context;

    /// <summary>The tenant and grant the filter established; throws on a route without the filter (a wiring bug).</summary>
    public SupportTenant Tenant => SupportTenant.Of(_context);

    public static ValueTask<SupportAccess?> BindAsync(HttpContext context, ParameterInfo parameter)
        => ValueTask.FromResult<SupportAccess?>(new SupportAccess(context));
}
