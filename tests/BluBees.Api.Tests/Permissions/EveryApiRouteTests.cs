using System.Net;
using System.Text.RegularExpressions;
using BluBees.Api.Permissions;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// Walks every endpoint the app maps: each route under /api — reads and writes, including routes added later by any
/// feature — refuses a user who is not a Jira administrator, unless it is explicitly marked <see cref="ApiAccess"/>.
/// </summary>
public sealed partial class EveryApiRouteTests : BackendFixture
{
    [Test]
    public async Task Every_route_under_api_refuses_a_non_admin()
    {
        var tenant = Samples.NewTenant();
        var checkedRoutes = new List<string>();
        foreach (var (method, pattern, exempt) in ApiRoutes())
        {
            if (exempt)
            {
                continue;
            }

            var path = Parameter().Replace(pattern, m => m.Groups[1].Value switch { "version" => "1", "key" => "OPS-1", _ => "x_nope" });
            using var response = await Backend.SendAsync(new HttpMethod(method), path, tenant, method is "GET" or "DELETE" ? null : "{}", accountId: AdminWriteTests.User);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{method} {pattern}");
            var problem = await ProblemAsync(response);
            Assert.That(problem["requiredPermission"]!.GetValue<string>(), Is.EqualTo("ADMINISTER"), $"{method} {pattern}");
            checkedRoutes.Add($"{method} {pattern}");
        }

        Assert.That(checkedRoutes, Has.Count.GreaterThanOrEqualTo(25), string.Join(", ", checkedRoutes));
        Assert.That(checkedRoutes, Does.Contain("GET /api/connections/").And.Contain("GET /api/runs").And.Contain("POST /api/rules/dry-run"));
    }

    [Test]
    public void Only_me_the_issue_panel_reads_and_manual_runs_are_open_beyond_administrators()
    {
        var exempt = ApiRoutes().Where(r => r.Exempt).Select(r => $"{r.Method} {r.Pattern}").ToList();
        Assert.That(exempt, Is.EquivalentTo(new[]
        {
            "GET /api/me", "GET /api/issues/{key}/runs", "GET /api/issues/{key}/manual-rules", "POST /api/rules/{id}/run",
        }));
    }

    private IEnumerable<(string Method, string Pattern, bool Exempt)> ApiRoutes()
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
                yield return (method, pattern, endpoint.Metadata.GetMetadata<ApiAccess>() is not null);
            }
        }
    }

    [GeneratedRegex(@"\{([a-zA-Z]+)(:[a-z]+)?\}")]
    private static partial Regex Parameter();
}
