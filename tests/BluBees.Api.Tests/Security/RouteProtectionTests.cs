using System.Net;
using System.Text.RegularExpressions;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>Enumerates every mapped route and proves each (but the health check) refuses a request without a valid token.</summary>
public sealed partial class RouteProtectionTests : BackendFixture
{
    [Test]
    public async Task Every_route_except_health_refuses_requests_without_a_valid_token()
    {
        var routes = Backend.Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Distinct().ToList();
        Assert.That(routes, Has.Count.GreaterThan(15), "the enumeration must actually see the app's routes");
        Assert.That(routes.Select(r => r.Pattern), Has.Some.StartsWith("/api/rules"));

        var unprotected = new List<string>();
        foreach (var (method, pattern) in routes)
        {
            var path = Parameter().Replace(pattern, m => m.Value.Contains(":int", StringComparison.Ordinal) ? "1" : "x1");
            foreach (var token in new[] { null, "not-a-jwt", Issuer.Mint(TestIssuer.For(Samples.NewTenant()), editHeader: h => h["kid"] = "nope") })
            {
                using var response = await Backend.SendWithTokenAsync(new HttpMethod(method), path, token, method is "GET" or "DELETE" ? null : "{}");
                var isHealth = pattern is "/health" or "/ready"; // /ready: the Lambda Web Adapter readiness probe
                if (isHealth ? response.StatusCode != HttpStatusCode.OK : response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    unprotected.Add($"{method} {pattern} -> {(int)response.StatusCode}");
                }
            }
        }

        Assert.That(unprotected, Is.Empty);
    }

    /// <summary>
    /// The first of two layers: every route but the health probes demands authorization. The second (a handler's
    /// <c>VerifiedTenant</c> answering 401 when Forge authentication set no tenant) hides a missing first layer from
    /// the test above, so this one reads the endpoints' metadata: a route marked anonymous, or mapped outside every
    /// authorized group, is named here even when its handler happens to bind the tenant.
    /// </summary>
    [Test]
    public void Every_route_except_health_requires_authorization_and_none_allows_anonymous()
    {
        var endpoints = Backend.Services.GetServices<EndpointDataSource>()
            .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is not ("/health" or "/ready"))
            .ToList();
        Assert.That(endpoints, Has.Count.GreaterThan(15), "the enumeration must actually see the app's routes");

        var open = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null || e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0)
            .Select(e => e.DisplayName ?? e.RoutePattern.RawText!)
            .ToList();

        Assert.That(open, Is.Empty);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
