using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// Every error answer is a ProblemDetails with content type <c>application/json</c> (invokeRemote in @forge/bridge loses
/// the body of a non-2xx answer of any other type), including the framework's own 404/405 and the 500 of an unhandled
/// exception; nothing answers an error with an empty body.
/// </summary>
public sealed class ErrorContractTests : BackendFixture
{
    private BackendHost _throwing = null!;

    [OneTimeSetUp]
    public async Task StartThrowingBackendAsync()
        => _throwing = await BackendHost.StartAsync(Issuer, services: s => s.AddSingleton<IStartupFilter, ThrowAfterRouting>());

    [OneTimeTearDown]
    public async Task StopThrowingBackendAsync() => await _throwing.DisposeAsync();

    private static async Task<JsonNode> AssertJsonProblemAsync(HttpResponseMessage response, int status, string what)
    {
        Assert.That((int)response.StatusCode, Is.EqualTo(status), what);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), what);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Multiple(() =>
        {
            Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(status), what);
            Assert.That(problem["title"]!.GetValue<string>(), Is.Not.Empty, what);
            Assert.That(problem["detail"]!.GetValue<string>(), Is.Not.Empty, what);
            Assert.That(problem["type"]!.GetValue<string>(), Does.StartWith("https://"), what);
        });
        if (status == 401)
        {
            // RFC 9110 §15.5.2: a 401 must say how to authenticate.
            Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Is.EqualTo(new[] { "Bearer" }), what);
        }

        return problem;
    }

    [Test]
    public async Task Errors_of_every_kind_are_problem_details_sent_as_application_json()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connectionId));

        using var malformed = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, "{broken");
        using var invalid = await Backend.SendAsync(HttpMethod.Post, "/api/rules", tenant, new JsonObject { ["name"] = "" });
        using var notJson = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", Issuer.MintFor("/forge/events", tenant), "[]");
        using var forbidden = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant, accountId: "557058:user");
        using var wrongModule = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/lifecycle", Issuer.Mint(tenant), "{}");
        using var unauthorized = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", "nope");
        using var notFound = await Backend.SendAsync(HttpMethod.Get, "/api/connections/conn_doesnotexist000000", tenant);
        using var conflict = await Backend.SendAsync(HttpMethod.Delete, $"/api/connections/{connectionId}", tenant);

        await AssertJsonProblemAsync(malformed, 400, "malformed JSON");
        var validation = await AssertJsonProblemAsync(invalid, 400, "validation");
        Assert.That(validation["errors"], Is.Not.Null, "validation problems name their fields");
        await AssertJsonProblemAsync(notJson, 400, "an event that is not an object");
        await AssertJsonProblemAsync(forbidden, 403, "non-admin");
        await AssertJsonProblemAsync(wrongModule, 403, "wrong module");
        await AssertJsonProblemAsync(unauthorized, 401, "bad token");
        await AssertJsonProblemAsync(notFound, 404, "unknown id");
        await AssertJsonProblemAsync(conflict, 409, "connection in use");
    }

    [Test]
    public async Task Unknown_routes_and_wrong_methods_answer_problem_details_not_empty_bodies()
    {
        var tenant = Samples.NewTenant();
        using var unknownApi = await Backend.SendAsync(HttpMethod.Get, "/api/no-such-thing", tenant);
        using var unknownForge = await Backend.SendAsync(HttpMethod.Post, "/forge/no-such-thing", tenant, "{}");
        using var unknownRoot = await Backend.SendAsync(HttpMethod.Get, "/nothing/here", tenant);
        using var wrongMethod = await Backend.SendAsync(HttpMethod.Delete, "/api/me", tenant);
        using var getOnForge = await Backend.SendAsync(HttpMethod.Get, "/forge/events", tenant);

        await AssertJsonProblemAsync(unknownApi, 404, "unknown /api route");
        await AssertJsonProblemAsync(unknownForge, 404, "unknown /forge route");
        await AssertJsonProblemAsync(unknownRoot, 404, "unknown route");
        await AssertJsonProblemAsync(wrongMethod, 405, "DELETE /api/me");
        await AssertJsonProblemAsync(getOnForge, 405, "GET /forge/events");
        Assert.That(wrongMethod.Content.Headers.Allow, Does.Contain("GET"));

        using var noToken = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/no-such-thing", token: null);
        await AssertJsonProblemAsync(noToken, 401, "an unknown route still needs a token");
        using var wrongMethodNoToken = await Backend.SendWithTokenAsync(HttpMethod.Delete, "/api/me", token: null);
        await AssertJsonProblemAsync(wrongMethodNoToken, 401, "a wrong method on a route that needs a token is answered 401 first (docs/api.md, Errors)");
        using var wrongMethodOnHealth = await Backend.SendWithTokenAsync(HttpMethod.Delete, "/health", token: null);
        await AssertJsonProblemAsync(wrongMethodOnHealth, 405, "a wrong method on a route anyone may call is its 405, to anyone (docs/api.md, Errors)");
    }

    [TestCase("POST", "/health", "GET, HEAD")]
    [TestCase("DELETE", "/ready", "GET, HEAD")]
    [TestCase("PUT", "/health", "GET, HEAD")]
    [TestCase("OPTIONS", "/Health/", "GET, HEAD")]
    [TestCase("PATCH", "/api/rules", "GET, POST, HEAD")]
    [TestCase("GET", "/forge/events", "POST")]
    [TestCase("TRACE", "/api/me", "GET, HEAD")]
    [TestCase("ZQXMARK", "/forge/webhook", "POST")]
    [TestCase("HEAD", "/forge/events", "POST")]
    public async Task A_wrong_method_is_405_naming_the_methods_to_a_caller_with_a_token_and_401_without_but_on_health_and_ready(string method, string path, string allow)
    {
        // Allow named GET only, while HEAD is answered wherever GET is; the detail echoed the request's method.
        using (var response = await Backend.SendWithTokenAsync(new HttpMethod(method), path, Issuer.MintFor(path, Samples.NewTenant()), withUserToken: false))
        {
            var what = $"{method} {path} with a token";
            if (method != "HEAD")
            {
                var problem = await AssertJsonProblemAsync(response, 405, what);
                Assert.That(problem.ToJsonString(), Does.Not.Contain(method), "the request's method is not echoed");
            }

            Assert.That((int)response.StatusCode, Is.EqualTo(405), what);
            Assert.That(string.Join(", ", response.Content.Headers.Allow), Is.EqualTo(allow));
        }

        // Without a token the routes and their methods are not told: a 401. /health and /ready, which anyone may call,
        // answer their 405 to anyone (their GET already tells anyone they exist).
        using var anonymous = await Backend.SendWithTokenAsync(new HttpMethod(method), path, token: null, withUserToken: false);
        if (path.TrimEnd('/').ToLowerInvariant() is "/health" or "/ready")
        {
            await AssertJsonProblemAsync(anonymous, 405, $"{method} {path} without a token");
            Assert.That(string.Join(", ", anonymous.Content.Headers.Allow), Is.EqualTo(allow));
            return;
        }

        Assert.That((int)anonymous.StatusCode, Is.EqualTo(401), $"{method} {path} without a token");
        Assert.That(anonymous.Content.Headers.Allow, Is.Empty, "no Allow without a token");
    }

    [Test]
    public async Task An_unhandled_exception_is_a_500_problem_in_json_that_quotes_nothing()
    {
        using var response = await _throwing.SendWithTokenAsync(HttpMethod.Get, ThrowAfterRouting.Path, Issuer.Mint(Samples.NewTenant()));
        var problem = await AssertJsonProblemAsync(response, 500, "unhandled exception");
        Assert.That(problem.ToJsonString(), Does.Not.Contain(ThrowAfterRouting.Canary));
        Assert.That(_throwing.Logs.AllText, Does.Not.Contain(ThrowAfterRouting.Canary));
    }

    /// <summary>Adds, after the app's own pipeline, a middleware that throws for one path (reached when no route matches).</summary>
    private sealed class ThrowAfterRouting : IStartupFilter
    {
        public const string Path = "/throw-for-the-test";
        public const string Canary = "CANARY-exception-message";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Use((HttpContext context, RequestDelegate rest) => context.Request.Path == Path ? throw new InvalidOperationException(Canary) : rest(context));
        };
    }
}
