using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// Edge inputs sent to every route the running app maps (read from its own endpoint table, so a route added later is
/// attacked too): JSON edge forms of the body (a BOM before a valid body, trailing garbage, raw NUL, odd charsets, a
/// root of another kind, 1,000 and 100,000 levels deep, a 10 MB body with and without a length, a compressed body, no
/// Content-Type), every method a route does not take, unknown routes below each one, and path values that are too long,
/// hold a slash, a dot segment, whitespace or non-ASCII. Each answer is below 500 and, when a 4xx, an RFC 7807
/// ProblemDetails sent as JSON whose <c>status</c> is the HTTP status, with a <c>type</c> and a <c>title</c>; a canary
/// in the body never comes back.
/// </summary>
/// <remarks>
/// What the batteries share: the tenant, the route table read from the running app, the values that fill a route's
/// parameters, and the routes that read a JSON body. Each battery is a class of its own: body forms
/// (<see cref="EveryRouteEdgeInputBodyTests"/>), body parse errors (<see cref="EveryRouteEdgeInputBodyErrorTests"/>),
/// query parameters (<see cref="EveryRouteEdgeInputQueryTests"/>), token headers
/// (<see cref="EveryRouteEdgeInputHeaderTests"/>), methods and paths (<see cref="EveryRouteEdgeInputMethodAndPathTests"/>).
/// </remarks>
public abstract class EveryRouteEdgeInputFixture : BackendFixture
{
    protected string Tenant { get; private set; } = null!;
    protected string Connection { get; private set; } = null!;
    protected string RuleId { get; private set; } = null!;
    protected string HookId { get; private set; } = null!;
    protected JsonNode Document { get; private set; } = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        Tenant = Samples.NewTenant();
        Connection = await CreateConnectionAsync(Tenant);
        RuleId = (await CreateRuleAsync(Tenant, Samples.Rule(Connection)))["id"]!.GetValue<string>();
        HookId = (await Backend.JsonAsync(HttpMethod.Post, "/api/webhooks", Tenant, new JsonObject { ["name"] = "edge" }, 201))["id"]!.GetValue<string>();
        await FindBodyReadersAsync();
        Document = JsonNode.Parse(await Backend.Client.GetStringAsync(BluBees.Api.Infrastructure.OpenApiSetup.DocumentPath))!;
    }

    /// <summary>Every route of the app a Forge caller reaches ("METHOD /path/{param}"), from its endpoint table.</summary>
    protected List<(string Method, string Template)> Routes()
    {
        var routes = new List<(string, string)>();
        foreach (var endpoint in Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            // Support staff routes take a staff token, the dev routes are off here: both have batteries of their own.
            if (template.StartsWith("/support/", StringComparison.Ordinal) || template.StartsWith("/dev/", StringComparison.Ordinal) || template is "/health" or "/ready")
            {
                continue;
            }

            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                routes.Add((method, template.TrimEnd('/') is { Length: > 0 } t ? t : "/"));
            }
        }

        return routes.Distinct().OrderBy(r => r.Item2, StringComparer.Ordinal).ThenBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    protected string Fill(string template) => System.Text.RegularExpressions.Regex.Replace(template, "\\{([^}:]+)(:[^}]*)?\\}", m => m.Groups[1].Value switch
    {
        "key" => "OPS-1",
        "version" => "1",
        "id" when template.StartsWith("/api/connections", StringComparison.Ordinal) => Connection,
        "id" when template.StartsWith("/api/webhooks", StringComparison.Ordinal) => HookId,
        "id" when template.StartsWith("/api/support/grants", StringComparison.Ordinal) => "grant_0000000000000000",
        "id" when template.StartsWith("/api/runs", StringComparison.Ordinal) => "run_0000000000000000",
        _ => RuleId,
    });


    /// <summary>The routes that read a JSON body: those that refuse one sent as text/plain with a 415.</summary>
    protected HashSet<string> ReadsBody { get; } = new(StringComparer.Ordinal);

    private async Task FindBodyReadersAsync()
    {
        foreach (var (method, template) in Routes().Where(r => r.Method is "POST" or "PUT"))
        {
            var path = Fill(template);
            using var request = Request(new HttpMethod(method), path, template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
            request.Content = new StringContent("{\"a\":1}", Encoding.UTF8, "text/plain");
            using var response = await Backend.Client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.UnsupportedMediaType)
            {
                ReadsBody.Add(method + " " + template);
            }
        }

        Assert.That(ReadsBody, Has.Member("POST /forge/uninstall").And.Member("POST /api/rules").And.Member("POST /forge/events"), "the probe finds the routes that read a body");
    }

    protected HttpRequestMessage Request(HttpMethod method, string path, string? tenant = null)
    {
        var request = new HttpRequestMessage(method, path);
        var token = Issuer.Mint(TestIssuer.ForRoute(path.Split('?')[0], tenant ?? Tenant));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.UserTokenFor("557058:admin"));
        }

        return request;
    }
}
