using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// A route that reads no query parameter refuses one (400 naming it) and does nothing. Before, such a route ignored the
/// query string: <c>DELETE /api/connections/{id}?baseRevision=1</c> or <c>POST /api/rules/{id}/disable?baseVersion=1</c>
/// deleted or changed what another admin had just saved while the caller believed its guard was checked, and
/// <c>GET /api/connections?limit=5</c> answered every connection as if the page were limited. Every such route of the
/// running app is tried (read from its endpoint table, so a route added later is held to it too), then the fixture's
/// connection, rule and webhook are read back unchanged.
/// </summary>
public sealed class UndeclaredQueryTests : EveryRouteEdgeInputFixture
{
    [Test]
    public async Task Every_api_route_that_reads_no_query_refuses_one_naming_it_and_changes_nothing()
    {
        var ruleBefore = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{RuleId}", Tenant);
        var connectionBefore = await Backend.JsonAsync(HttpMethod.Get, $"/api/connections/{Connection}", Tenant);
        var failures = new List<string>();
        var tried = 0;
        foreach (var (method, template) in Routes().Where(r => r.Template.StartsWith("/api/", StringComparison.Ordinal) && !DeclaresQuery(r.Method, r.Template)))
        {
            tried++;
            foreach (var name in new[] { "baseRevision", "baseVersion", "limit" })
            {
                using var request = Request(new HttpMethod(method), $"{Fill(template)}?{name}=1");
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.BadRequest)
                {
                    failures.Add($"{method} {template}?{name}=1: {(int)response.StatusCode}");
                    continue;
                }

                var problem = JsonNode.Parse(text)!;
                if (problem["errors"]?[name] is null)
                {
                    failures.Add($"{method} {template}?{name}=1: 400 without errors.{name}: {text}");
                }
            }
        }

        Assert.That(tried, Is.GreaterThan(20), "the routes that read no query were found");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));

        // Nothing was deleted, disabled, restored or rotated by the refused calls.
        var ruleAfter = await Backend.JsonAsync(HttpMethod.Get, $"/api/rules/{RuleId}", Tenant);
        Assert.That(ruleAfter.ToJsonString(), Is.EqualTo(ruleBefore.ToJsonString()));
        var connectionAfter = await Backend.JsonAsync(HttpMethod.Get, $"/api/connections/{Connection}", Tenant);
        Assert.That(connectionAfter.ToJsonString(), Is.EqualTo(connectionBefore.ToJsonString()));
        var hooks = await Backend.JsonAsync(HttpMethod.Get, "/api/webhooks", Tenant);
        Assert.That(hooks.ToJsonString(), Does.Contain(HookId));
    }

    [Test]
    public async Task The_same_routes_without_a_query_still_answer()
    {
        using var list = await Backend.SendAsync(HttpMethod.Get, "/api/connections", Tenant);
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var empty = await Backend.SendAsync(HttpMethod.Get, "/api/connections?", Tenant);
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.OK), "an empty query string is no parameter");
        using var declared = await Backend.SendAsync(HttpMethod.Get, "/api/runs?limit=5", Tenant);
        Assert.That(declared.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a route's own parameters are its filter's business");
    }

    [Test]
    public async Task A_delete_guarded_by_a_revision_the_route_does_not_read_is_refused_and_the_connection_kept()
    {
        var tenant = Samples.NewTenant();
        var id = await CreateConnectionAsync(tenant);
        using var response = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{id}?baseRevision=1", tenant);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(response))["errors"]!["baseRevision"], Is.Not.Null);
        using var still = await Backend.SendAsync(HttpMethod.Get, $"/api/connections/{id}", tenant);
        Assert.That(still.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private bool DeclaresQuery(string method, string template)
        => Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => "/" + (e.RoutePattern.RawText ?? string.Empty).TrimStart('/') == template
                && (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods.Contains(method) ?? false))
            .Any(e => e.Metadata.GetMetadata<QueryParameters>() is not null);
}
