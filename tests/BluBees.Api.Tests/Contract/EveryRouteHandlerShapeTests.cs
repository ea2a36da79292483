using System.Reflection;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// House style (issue 11, "The API contract is written twice"): a handler states its answers in its signature (typed
/// results: <c>Ok&lt;T&gt;</c>, <c>Results&lt;…&gt;</c>, the ProblemResult types) and reads what it needs as bound
/// parameters, never <c>HttpContext</c>. <see cref="OpenApiContractTests"/> checks this for the routes it lists; this
/// reads every route of every configuration from the running app's endpoint table — those mapped only by configuration
/// included (support, the OpenAPI document, the development issuer, the worker's SQS batch route) — so a route added
/// anywhere, or mapped in one configuration only, is held to the same shape.
/// </summary>
public sealed class EveryRouteHandlerShapeTests
{
    [Test]
    public async Task Every_route_of_every_configuration_returns_typed_results_and_takes_no_HttpContext()
    {
        await using var forge = await TestIssuer.StartAsync();
        await using var idp = await SupportIssuer.StartAsync();
        var settings = idp.Settings();
        settings["OpenApi:Enabled"] = "true";
        settings["DevIssuer:Enabled"] = "true";
        settings["Queue:Provider"] = "Sqs";
        settings["Queue:QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs";
        settings["Worker:Mode"] = "SqsRoute";
        await using var backend = await BackendHost.StartAsync(forge, settings);

        var handlers = backend.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Route: e.RoutePattern.RawText!, Method: e.Metadata.OfType<MethodInfo>().FirstOrDefault()))
            .ToList();
        Assert.That(handlers.Select(h => h.Route), Is.SupersetOf(new[] { "/health", "/ready", "/internal/sqs-batch", "/dev/token", "/forge/events", "/support/tenants/{tenantId}/runs", "/api/rules/{id}" }),
            "the routes of every configuration were found");

        var wrong = new List<string>();
        foreach (var (route, method) in handlers)
        {
            if (route == OpenApiSetup.DocumentPath)
            {
                continue; // Microsoft.AspNetCore.OpenApi's own handler (MapOpenApi), not ours
            }

            if (method is null)
            {
                wrong.Add($"{route}: no handler method");
                continue;
            }

            if (Answer(method.ReturnType) is var answer && (answer.IsInterface || answer == typeof(object) || !typeof(IResult).IsAssignableFrom(answer)))
            {
                wrong.Add($"{route} returns {answer.Name}: return typed results (TypedResults, Results<…>, the ProblemResult types), not IResult");
            }

            if (method.GetParameters().Any(p => p.ParameterType == typeof(HttpContext)))
            {
                wrong.Add($"{route} takes HttpContext: take bound parameters (VerifiedTenant, HttpRequest, services, CancellationToken)");
            }
        }

        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
    }

    /// <summary>What the handler answers with: <c>T</c> of a <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c>, else its return type.</summary>
    private static Type Answer(Type returned)
        => returned.IsGenericType && (returned.GetGenericTypeDefinition() == typeof(Task<>) || returned.GetGenericTypeDefinition() == typeof(ValueTask<>))
            ? returned.GetGenericArguments()[0]
            : returned;
}
