using BluBees.Engine.Egress;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Holds one site's Jira client to that site, the FIT's <c>apiBaseUrl</c> (<c>https://api.atlassian.com/ex/jira/{cloudId}</c>;
/// the product APIs are called under it with the system token:
/// https://developer.atlassian.com/platform/forge/remote/essentials/#the-forge-invocation-token--fit-). A request
/// whose URL is outside the site's base URL (another scheme, host
/// or port, a path above the base path, a dot segment a server would resolve) is refused before it reaches
/// <see cref="JiraEgressHandler"/>, and the Forge system token with it. Refit builds the URLs from fixed routes and
/// issue references restricted to key/id characters, so none does today; this keeps it so whatever a later route, a
/// Refit version or a new parameter does. The call's tally records <see cref="EgressFailure.OutsideCredentialScope"/>
/// (<c>credential_scope</c>); the message names the configured site's host only.
/// </summary>
internal sealed class JiraSiteScope(CredentialScope scope) : DelegatingHandler
{
    /// <summary>The site's scope, handed to <see cref="JiraEgressHandler"/> for the redirects it follows.</summary>
    internal static readonly HttpRequestOptionsKey<CredentialScope> ScopeKey = new("BluBees.JiraSiteScope");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is not { } url || !scope.Covers(url))
        {
            if (request.Options.TryGetValue(JiraCallTally.OptionsKey, out var tally))
            {
                tally.Failure = EgressFailure.OutsideCredentialScope;
            }

            throw new HttpRequestException($"The Jira call's URL is outside the site '{scope.Host}'; nothing was sent.");
        }

        // The guard keeps the system token on a redirect only while it stays inside the site (JiraEgressHandler).
        request.Options.Set(ScopeKey, scope);
        return base.SendAsync(request, cancellationToken);
    }
}
