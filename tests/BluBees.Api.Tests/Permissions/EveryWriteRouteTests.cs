using System.Net;
using System.Text.RegularExpressions;
using BluBees.Api.Permissions;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// Walks every endpoint the app maps: each write under /api — including routes added later by any feature —
/// refuses a non-admin, unless it is a dry run or explicitly marked <see cref="AnyUserMayWrite"/>.
/// </summary>
public sealed partial class EveryWriteRouteTests : BackendFixture
{
    private static readonly HashSet<string> DryRuns = ["/api/rules/dry-run", "/api/rules/{id}/dry-run"];

    [Test]
    public async Task Every_write_under_api_refuses_a_non_admin()
    {
        var tenant = Samples.NewTenant();
        var checkedRoutes = new List<string>();
        foreach (var (method, pattern, exempt) in WriteRoutes())
        {
            if (exempt)
            {
                continue;
            }

            var path = Parameter().Replace(pattern, m => m.Groups[1].Value switch { "version" => "1", "key" => "OPS-1", _ => "x_nope" });
            using var response = await Backend.SendAsync(new HttpMethod(method), path, tenant, "{}", accountId: AdminWriteTests.User);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{method} {pattern}");
            await ProblemAsync(response);
            checkedRoutes.Add($"{method} {pattern}");
        }

        Assert.That(checkedRoutes, Has.Count.GreaterThanOrEqualTo(12), string.Join(", ", checkedRoutes));
    }

    [Test]
    public void Only_dry_runs_and_manual_runs_are_exempt()
    {
        var exempt = WriteRoutes().Where(r => r.Exempt).Select(r => $"{r.Method} {r.Pattern}").ToList();
        Assert.That(exempt, Is.EquivalentTo(new[] { "POST /api/rules/dry-run", "POST /api/rules/{id}/dry-run", "POST /api/rules/{id}/run" }));
    }

    private IEnumerable<(string Method, string Pattern, bool Exempt)> WriteRoutes()
    {
        foreach (var endpoint in Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? string.Empty;
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["POST"])
            {
                if (method is "GET" or "HEAD" or "OPTIONS")
                {
                    continue;
                }

                var exempt = endpoint.Metadata.GetMetadata<AnyUserMayWrite>() is not null || method == "POST" && DryRuns.Contains(pattern);
                yield return (method, pattern, exempt);
            }
        }
    }

    [GeneratedRegex(@"\{([a-zA-Z]+)(:[a-z]+)?\}")]
    private static partial Regex Parameter();
}
