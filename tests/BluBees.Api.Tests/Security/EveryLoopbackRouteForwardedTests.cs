using System.Net;
using System.Text.RegularExpressions;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// Every anonymous route that is not public (the probes <c>/health</c> and <c>/ready</c>, and the OpenAPI document) exists
/// for a caller on this machine alone, since it has no token to check: today the development issuer's <c>/dev/*</c> and the
/// worker's <c>POST /internal/sqs-batch</c>, each mapped only by its configuration (all turned on here). A proxy or tunnel
/// agent on this machine connects from 127.0.0.1 for whoever called it; when it says so (<c>X-Forwarded-For</c>,
/// <c>Forwarded</c>, <c>X-Real-IP</c>, <c>Via</c>, <c>X-Forwarded-Host</c>), each such route answers 403 and does nothing.
/// The routes are read from the endpoint data source, so a loopback-only route added later fails here until it refuses
/// forwarded requests too (the SQS batch route did not: <see cref="WorkerRouteProxiedCallerTests"/>). A request without
/// those headers still reaches each route (not 403), so the refusal is the headers' doing.
/// </summary>
public sealed partial class EveryLoopbackRouteForwardedTests
{
    private static readonly (string Name, string Value)[] Forwarding =
    [
        ("X-Forwarded-For", "203.0.113.9"),
        ("Forwarded", "for=203.0.113.9"),
        ("X-Real-IP", "203.0.113.9"),
        ("Via", "1.1 edge-proxy"),
        ("X-Forwarded-Host", "backend.example"),
    ];

    [Test]
    public async Task Every_anonymous_route_but_the_public_ones_refuses_a_request_a_proxy_forwarded()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var backend = await BackendHost.StartAsync(issuer, new Dictionary<string, string?>
        {
            ["OpenApi:Enabled"] = "true",
            ["DevIssuer:Enabled"] = "true",
            // The worker function's queue and route choices, on the embedded store: the SQS queue is configured, never called.
            ["Queue:Provider"] = "Sqs",
            ["Queue:QueueUrl"] = "http://127.0.0.1:1/000000000000/blubees-runs",
            ["Worker:Mode"] = "SqsRoute",
        });

        var routes = backend.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Where(e => e.RoutePattern.RawText is not ("/health" or "/ready" or "/openapi/v1.json"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Distinct().ToList();
        Assert.That(routes.Select(r => $"{r.Method} {r.Pattern}"), Is.SupersetOf(new[] { "POST /dev/token", "GET /dev/jwks.json", "POST /internal/sqs-batch" }),
            "the enumeration sees the loopback-only routes of every configuration");

        var wrong = new List<string>();
        foreach (var (method, pattern) in routes)
        {
            var path = Parameter().Replace(pattern, "x1");
            using (var plain = await SendAsync(backend, method, path, header: null))
            {
                if (plain.StatusCode == HttpStatusCode.Forbidden)
                {
                    wrong.Add($"{method} {pattern}: 403 without any forwarding header (the check below would prove nothing)");
                    continue;
                }
            }

            foreach (var header in Forwarding)
            {
                using var response = await SendAsync(backend, method, path, header);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.Forbidden || !text.Contains("\"status\":403", StringComparison.Ordinal))
                {
                    wrong.Add($"{method} {pattern} with {header.Name}: {(int)response.StatusCode}");
                }
            }
        }

        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
    }

    private static Task<HttpResponseMessage> SendAsync(BackendHost backend, string method, string path, (string Name, string Value)? header)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
        {
            request.Content = new StringContent(path == "/internal/sqs-batch" ? """{"Records":[]}""" : "{}", System.Text.Encoding.UTF8, "application/json");
        }

        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        return backend.Client.SendAsync(request);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
