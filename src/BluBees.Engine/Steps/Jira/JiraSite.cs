using BluBees.Engine.Egress;
using Microsoft.Extensions.Options;
using Refit;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Resolves the Jira site a run acts on (the verified token's <c>apiBaseUrl</c>, or the configured test override)
/// and builds the Refit client for it over the guarded handler.
/// </summary>
internal sealed class JiraSite(JiraEgressHandler handler, IOptions<JiraActionOptions> options)
{
    private static readonly RefitSettings Settings = new()
    {
        ContentSerializer = new JiraContentSerializer(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JiraJsonContext.Default,
        }),
    };

    /// <summary>
    /// The base URL, or null when the tenant has none we may use: without the override it must be https on an
    /// Atlassian host (<c>api.atlassian.com</c>, <c>*.atlassian.net</c>…), whatever the token says.
    /// </summary>
    public Uri? BaseUrl(string? apiBaseUrl) => Resolve(apiBaseUrl, options.Value.ApiBaseUrlOverride);

    /// <summary>The rule of <see cref="BaseUrl"/>, for callers that use the site without the Refit client (transfer sources).</summary>
    public static Uri? Resolve(string? apiBaseUrl, string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Uri.TryCreate(configured, UriKind.Absolute, out var overridden) ? overridden : null;
        }

        return Uri.TryCreate(apiBaseUrl, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo) && IsAtlassianHost(uri.Host)
            ? uri
            : null;
    }

    public static bool IsAtlassianHost(string host)
        => host.Equals("atlassian.com", StringComparison.OrdinalIgnoreCase) || host.Equals("atlassian.net", StringComparison.OrdinalIgnoreCase)
        || host.EndsWith(".atlassian.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".atlassian.net", StringComparison.OrdinalIgnoreCase);

    /// <summary>A client for one site. The handler (and its connection pool) is shared; the HttpClient is not disposed with it.</summary>
    public IJiraApi Client(Uri baseUrl) => RestService.For<IJiraApi>(Http(baseUrl), Settings);

    /// <summary>The HTTP client under <see cref="Client"/>: only requests inside the site's base URL reach the guarded handler.</summary>
    internal HttpClient Http(Uri baseUrl)
    {
        var site = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var scope = CredentialScope.Of(site) ?? throw new ArgumentException("The Jira site is not an absolute http(s) URL.", nameof(baseUrl));
        return new HttpClient(new JiraSiteScope(scope) { InnerHandler = handler }, disposeHandler: false)
        {
            BaseAddress = new Uri(site),
            Timeout = Timeout.InfiniteTimeSpan, // the guarded client owns the timeout
        };
    }
}
