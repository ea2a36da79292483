using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The committed OpenAPI document (<c>docs/openapi.json</c>, the source of the UI's generated types) is exactly what the
/// app serves on Kestrel, and it describes every <c>/api</c> route with a typed answer. Regenerate both files with
/// <c>node scripts/generate-api-types.mjs</c>, which runs this fixture with <c>BLUBEES_WRITE_OPENAPI=1</c> to write the
/// document and then generates the TypeScript.
/// </summary>
public sealed class OpenApiContractTests : BackendFixture
{
    private const string Regenerate = "run `node scripts/generate-api-types.mjs` and commit docs/openapi.json and forge-app/ui/src/generated/api-types.ts";

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };

    private static string CommittedPath => Path.Combine(RepositoryRoot(), "docs", "openapi.json");

    [Test]
    public async Task The_committed_document_is_the_one_the_app_serves()
    {
        var served = Normalize(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath));
        if (Environment.GetEnvironmentVariable("BLUBEES_WRITE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, served);
        }

        var committed = File.Exists(CommittedPath) ? Normalize(await File.ReadAllTextAsync(CommittedPath)) : "(missing)";
        Assert.That(committed, Is.EqualTo(served), $"docs/openapi.json is stale: {Regenerate}");
    }

    /// <summary>
    /// A condition's <c>op</c> is one of the operators the backend compiles (ConditionOperators), listed as an enum so the
    /// UI's generated type names them: it was any string, and a misspelt operator was found only by a save's 400.
    /// </summary>
    [Test]
    public async Task A_conditions_op_lists_the_operators_the_backend_takes()
    {
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        var op = document["components"]?["schemas"]?["ConditionNode"]?["properties"]?["op"];

        var listed = op?["enum"]?.AsArray().Select(v => v?.GetValue<string>()).ToList();
        Assert.That(listed, Is.EqualTo(BluBees.Engine.Conditions.ConditionOperators.Names.ToList()), op?.ToJsonString());
    }

    /// <summary>
    /// The committed document is written by this fixture, where the entry assembly is the test host; the deployed backend
    /// serves it from BluBees.Api. Microsoft.AspNetCore.OpenApi tags an operation whose handler is a lambda with that
    /// application name, so the rule toggles were tagged <c>testhost</c> in docs/openapi.json and <c>BluBees.Api</c> by the
    /// running backend: the committed document was not the one the app serves.
    /// </summary>
    [Test]
    public async Task The_document_names_no_host_so_every_host_serves_the_committed_one()
    {
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        var hosts = new[]
        {
            Backend.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostEnvironment>().ApplicationName,
            typeof(OpenApiSetup).Assembly.GetName().Name!,
        };
        var tagged = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Operation: $"{op.Key.ToUpperInvariant()} {path.Key}", Tags: op.Value?["tags"]?.AsArray().Select(t => t!.GetValue<string>()).ToList() ?? [])))
            .Where(op => op.Tags.Intersect(hosts).Any())
            .Select(op => op.Operation)
            .ToList();
        var topLevel = document["tags"]?.AsArray().Select(t => t?["name"]?.GetValue<string>()).Where(hosts.Contains).ToList() ?? [];

        Assert.Multiple(() =>
        {
            Assert.That(tagged, Is.Empty, $"operations tagged with the host's name ({string.Join(", ", hosts)}): give their handlers a name");
            Assert.That(topLevel, Is.Empty);
        });
    }

    [Test]
    public async Task Every_api_route_is_in_the_document_with_a_typed_answer()
    {
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        var routes = Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: PathOf(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .ToList();

        Assert.That(routes, Has.Count.GreaterThan(30), "the /api routes were found");
        Assert.Multiple(() =>
        {
            foreach (var (path, method) in routes)
            {
                var operation = document["paths"]?[path]?[method];
                Assert.That(operation, Is.Not.Null, $"{method.ToUpperInvariant()} {path} is missing from the document");
                var success = operation?["responses"]?.AsObject().Where(r => r.Key.StartsWith('2')).ToList() ?? [];
                Assert.That(success, Is.Not.Empty, $"{method.ToUpperInvariant()} {path} states no success answer");
                Assert.That(success.All(r => r.Key == "204" || r.Value?["content"]?["application/json"]?["schema"] is not null), Is.True,
                    $"{method.ToUpperInvariant()} {path}: every success answer but 204 has a JSON schema");
                Assert.That(operation?["responses"]?["401"], Is.Not.Null, $"{method.ToUpperInvariant()} {path} states its 401");
            }
        });
    }

    [Test]
    public void Every_api_handler_states_its_answers_in_its_signature()
    {
        // Answers come from the handler's return type (Ok<T>, Results<…> of typed answers and ProblemResult types),
        // never from metadata stated beside it, so the document cannot drift from what the code returns.
        var handlers = Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true)
            .Select(e => (Route: e.DisplayName ?? e.RoutePattern.RawText!, Method: e.Metadata.OfType<System.Reflection.MethodInfo>().FirstOrDefault()))
            .ToList();

        Assert.That(handlers, Has.Count.GreaterThan(30), "the /api routes were found");
        AssertTypedWithoutHttpContext(handlers);
    }

    [Test]
    public void The_forge_and_support_handlers_state_their_answers_and_take_no_HttpContext_either()
    {
        // Not in the document (it is /api only), but the same shape: what a handler reads is a bound parameter.
        var handlers = Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/forge/", StringComparison.Ordinal) || raw.StartsWith("/support/tenants", StringComparison.Ordinal) || raw == "/dev/token"))
            .Select(e => (Route: e.RoutePattern.RawText!, Method: e.Metadata.OfType<System.Reflection.MethodInfo>().FirstOrDefault()))
            .ToList();

        Assert.That(handlers.Select(h => h.Route), Is.SupersetOf(new[] { "/forge/events", "/forge/lifecycle", "/forge/uninstall", "/forge/webhook", "/forge/scheduled" }));
        AssertTypedWithoutHttpContext(handlers);
    }

    private static void AssertTypedWithoutHttpContext(List<(string Route, System.Reflection.MethodInfo? Method)> handlers)
    {
        Assert.Multiple(() =>
        {
            foreach (var (route, method) in handlers)
            {
                Assert.That(method, Is.Not.Null, $"{route}: handler method");
                var returned = method!.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
                    ? method.ReturnType.GetGenericArguments()[0]
                    : method.ReturnType;
                Assert.That(typeof(Microsoft.AspNetCore.Http.Metadata.IEndpointMetadataProvider).IsAssignableFrom(returned), Is.True,
                    $"{route} returns {returned.Name}: return typed results (TypedResults, Results<…>, ProblemResult types), not IResult");
                Assert.That(method.GetParameters().Any(p => p.ParameterType == typeof(Microsoft.AspNetCore.Http.HttpContext)), Is.False,
                    $"{route}: take VerifiedTenant, HttpRequest and CancellationToken, not HttpContext");
            }
        });
    }

    [Test]
    public async Task A_request_body_is_described_where_the_route_reads_one()
    {
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        Assert.Multiple(() =>
        {
            foreach (var (path, method) in new[] { ("/api/rules", "post"), ("/api/rules/{id}", "put"), ("/api/connections", "post"), ("/api/rules/dry-run", "post"), ("/api/rules/{id}/run", "post"), ("/api/support/grants", "post"), ("/api/webhooks", "post") })
            {
                Assert.That(document["paths"]?[path]?[method]?["requestBody"]?["content"]?["application/json"]?["schema"], Is.Not.Null, $"{method} {path} body");
                Assert.That(document["paths"]?[path]?[method]?["responses"]?["400"], Is.Not.Null, $"{method} {path} states its 400");
            }
        });
    }

    [Test]
    public async Task No_operation_lists_a_parameter_twice()
    {
        // OpenAPI: "The list MUST NOT include duplicated parameters" (a parameter is its name and location).
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        var duplicates = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Operation: $"{o.Key.ToUpperInvariant()} {p.Key}", Parameters: o.Value?["parameters"]?.AsArray() ?? [])))
            .SelectMany(o => o.Parameters.GroupBy(x => (x!["name"]!.GetValue<string>(), x["in"]!.GetValue<string>())).Where(g => g.Count() > 1).Select(g => $"{o.Operation}: {g.Key}"))
            .ToList();
        Assert.That(duplicates, Is.Empty);
    }

    [Test]
    public async Task Every_route_states_the_503_and_400_its_permission_check_answers()
    {
        // When Jira cannot answer the permission check, every /api route but /api/me refuses with 503 before its
        // handler runs; the issue panel's routes refuse an ill-formed issue key with 400. The document says so.
        var tenant = Samples.NewTenant();
        var document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Path: p.Key, Method: o.Key, Responses: o.Value!["responses"]!.AsObject())))
            .Where(o => o.Path != "/api/me")
            .ToList();
        Assert.That(operations, Has.Count.GreaterThan(30));

        Backend.Jira.Respond = _ => (503, "{}");
        try
        {
            Assert.Multiple(() =>
            {
                foreach (var (path, method, responses) in operations)
                {
                    var url = path.Replace("{key}", "OPS-1", StringComparison.Ordinal).Replace("{version}", "1", StringComparison.Ordinal)
                        .Replace("{id}", "rule_0000", StringComparison.Ordinal) + (path == "/api/issues/{key}/runs" ? "?issueId=11" : "");
                    using var response = Backend.SendAsync(new HttpMethod(method.ToUpperInvariant()), url, tenant, method is "post" or "put" ? Body(path) : null).GetAwaiter().GetResult();
                    var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    Assert.That(status, Is.EqualTo("503"), $"{method.ToUpperInvariant()} {path} while Jira is down");
                    Assert.That(responses[status], Is.Not.Null, $"{method.ToUpperInvariant()} {path} answers {status}, which the document does not state");
                }
            });
        }
        finally
        {
            Backend.Jira.Respond = null;
        }

        foreach (var path in new[] { "/api/issues/{key}/runs", "/api/issues/{key}/manual-rules", "/api/issues/{key}/sample-event" })
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path.Replace("{key}", "not-a-key", StringComparison.Ordinal), tenant);
            Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.BadRequest), path);
            Assert.That(document["paths"]![path]!["get"]!["responses"]!["400"], Is.Not.Null, $"GET {path} answers 400 for an ill-formed key, which the document does not state");
        }
    }

    private static JsonObject Body(string path) => path.EndsWith("/run", StringComparison.Ordinal) ? new JsonObject { ["issueKey"] = "OPS-1" } : new JsonObject();

    [Test]
    public async Task The_document_is_not_served_unless_configured()
    {
        await using var plain = await BackendHost.StartAsync(Issuer);
        using var response = await plain.Client.GetAsync(OpenApiSetup.DocumentPath);
        // No such route: the fallback answers as for any unknown path (401 without a token), never the document.
        Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.NotFound, HttpStatusCode.Unauthorized));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Not.Contain("\"openapi\""));
    }

    /// <summary>The route template as OpenAPI writes it: <c>{version:int}</c> becomes <c>{version}</c>, no trailing slash.</summary>
    private static string PathOf(string raw)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(raw, @"\{([^}:]+):[^}]+\}", "{$1}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    private static string Normalize(string json)
        => JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BluBees.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("BluBees.sln not found above the test directory");
    }
}
