using BluBees.Engine.Storage;

namespace BluBees.Api.Support;

/// <summary>The tenant a support route names, and the grant that allowed this request to read it.</summary>
internal sealed record SupportTenant(TenantId TenantId, string GrantId)
{
    public const int MaxLength = 200;

    /// <summary>
    /// The <c>{tenantId}</c> route value when it is shaped like an installation id. Installation ids contain '/',
    /// which clients send as %2F and the server leaves encoded in the path; it is decoded here, nothing else is.
    /// </summary>
    public static TenantId? FromRoute(HttpContext context)
    {
        if (context.GetRouteValue("tenantId") is not string raw)
        {
            return null;
        }

        var id = raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        return id.Length is > 0 and <= MaxLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '/' or '.' or '_' or '-') ? new TenantId(id) : null;
    }

    /// <summary>The access the filter established; a handler without it is a wiring bug, never a silent pass.</summary>
    public static SupportTenant Of(HttpContext context)
        => context.Features.Get<SupportTenant>() ?? throw new InvalidOperationException("Support route reached without a checked grant.");
}
