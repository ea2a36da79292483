using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static BluBees.Api.Tests.Fuzz.RouteFuzzHelpers;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// A seeded fuzzer over every route that reads input: each starts from a valid request and, at nodes picked by a
/// fixed-seed random walk, applies structural mutations the field batteries do not — values nested to the deepest the
/// parser accepts (and one past it), arrays of 100 000 items, 100 KB strings, removed fields, RTL marks and NUL — and
/// every path value and query parameter gets malformed, very long and repeated values. Each answer must be below 500,
/// a 4xx must be a ProblemDetails naming the field, and whatever a 2xx saved must read back (no lost data). The app
/// must still answer afterwards. A failing case prints its route, node and mutation, which the seed reproduces.
/// </summary>
/// <remarks>
/// This is the body battery; the path, query and header batteries are <see cref="RouteFuzzPathTests"/>,
/// <see cref="RouteFuzzQueryTests"/> and <see cref="RouteFuzzHeaderTests"/>, on the tenant of <see cref="RouteFuzzFixture"/>.
/// </remarks>
public sealed partial class RouteFuzzBodyTests : RouteFuzzFixture
{
    private const int Seed = 20261205;
    /// <summary>Every node of the bodies here (the whole sweep takes seconds); the seed orders them.</summary>
    private const int NodesPerRoute = 400;

    private int _counter;

    public enum BodyRoute { CreateRule, UpdateRule, ValidateRule, DryRunUnsaved, DryRunSaved, ManualRun, CreateConnection, CreateWebhook, CreateGrant, Events, Webhook, Lifecycle, CreateRichRule, DryRunRichRule, WebhookEnvelope, Scheduled, Uninstall, UpdateConnection }

    private static readonly BodyRoute[] BodyRoutes = Enum.GetValues<BodyRoute>();

    [Test]
    public void Every_route_that_reads_a_body_is_one_this_battery_sends_to()
    {
        // From the app's endpoint table: the routes that declare a JSON body (Reads<T>) and every POST or PUT outside
        // /api (the Forge routes read theirs raw). A route added later fails here until it has a valid body above.
        var sent = BodyRoutes.Select(Target).ToList();
        var missing = new List<string>();
        var checkedRoutes = new List<string>();
        foreach (var endpoint in Backend.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var template = "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/').TrimEnd('/');
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var readsBody = endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not null
                    || (method is "POST" or "PUT" or "PATCH" && !template.StartsWith("/api/", StringComparison.Ordinal));
                var pattern = "^" + System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]+\\}", "[^/]+") + "$";
                if (readsBody)
                {
                    checkedRoutes.Add($"{method} {template}");
                }

                if (readsBody && !sent.Any(t => t.Method.Method == method && System.Text.RegularExpressions.Regex.IsMatch(t.Path, pattern)))
                {
                    missing.Add($"{method} {template}");
                }
            }
        }

        Assert.That(checkedRoutes, Has.Member("PUT /api/connections/{id}").And.Member("POST /api/rules").And.Member("POST /forge/events"), "the endpoint table says which routes read a body");
        Assert.That(missing, Is.Empty, "routes that read a body this battery never sends one to");
    }

    [TestCaseSource(nameof(BodyRoutes))]
    public async Task Every_sampled_node_mutated_is_a_2xx_that_reads_back_or_a_4xx_naming_it(BodyRoute route)
    {
        var random = new Random(Seed + (int)route);
        var baseBody = Base(route);
        using (var unmutated = await SendAsync(route, Render(route, Rename(route, (JsonObject)baseBody.DeepClone()))))
        {
            Assert.That((int)unmutated.StatusCode, Is.InRange(200, 299), $"the unmutated body of {route}: {await unmutated.Content.ReadAsStringAsync()}");
        }

        var logged = Backend.Logs.Lines.Count;
        var nodes = Nodes(baseBody, "$").ToList();
        var picked = nodes.OrderBy(_ => random.Next()).Take(NodesPerRoute).OrderBy(n => n.Path, StringComparer.Ordinal).ToList();
        var failures = new List<string>();
        foreach (var (path, node) in picked)
        {
            foreach (var mutation in Enum.GetValues<Mutation>())
            {
                var body = (JsonObject)baseBody.DeepClone();
                if (!Apply(body, path, node, mutation, DepthOf(path)))
                {
                    continue;
                }

                var label = $"{route} {path} {mutation}";
                using var response = await SendAsync(route, Render(route, Rename(route, body)));
                // One past the deepest is refused by the parser, at a position; a removed field may leave a sibling invalid.
                // (A removed schema property leaves the 'required' naming it wrong: the sibling of its parent.)
                var field = mutation switch { Mutation.OnePastDeepest => null, Mutation.Removed or Mutation.Emptied => Parent(Parent(Field(route, path))), _ => Field(route, path) };
                // A case variant is refused where names are matched without regard to case: at either spelling.
                var problem = await CheckAsync(response, Ignored(route) ? null : field, alsoAccept: mutation == Mutation.CaseVariant ? Variant(field!) : null);
                if (problem is null && response.IsSuccessStatusCode)
                {
                    problem = await ReadsBackAsync(route, response);
                }

                if (problem is not null)
                {
                    failures.Add($"{label}: {problem}");
                }
            }
        }

        using var health = await Backend.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the app still answers");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(40)));

        // What was accepted ran without an error behind the answer (the worker, a store write): the queue drains first.
        await Waits.UntilAsync(async () => (await Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=200", Tenant))["items"]!.AsArray().Count(r => r!["status"]?.GetValue<string>() is "queued" or "running"), n => n == 0);
        var errors = Backend.Logs.Lines.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, string.Join("\n", errors.Take(10).Select(Cut)));
    }

    /// <summary>What a 2xx saved reads back: the created rule, connection or webhook, the queued event's run.</summary>
    private async Task<string?> ReadsBackAsync(BodyRoute route, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var created = response.StatusCode == HttpStatusCode.Created || route is BodyRoute.UpdateRule ? JsonNode.Parse(text)?["id"]?.GetValue<string>() : null;
        var reads = route switch
        {
            BodyRoute.CreateRule or BodyRoute.CreateRichRule or BodyRoute.UpdateRule when created is not null => [$"/api/rules/{created}", $"/api/rules/{created}/versions", $"/api/rules/{created}/versions/1", $"/api/rules/{created}/trace", "/api/rules"],
            BodyRoute.CreateConnection when created is not null => [$"/api/connections/{created}", "/api/connections"],
            BodyRoute.UpdateConnection => [$"/api/connections/{SpareConnection}", "/api/connections"],
            BodyRoute.CreateWebhook when created is not null => [$"/api/webhooks/{created}", "/api/webhooks"],
            BodyRoute.CreateGrant => ["/api/support/grants", "/api/support/audit"],
            BodyRoute.Events or BodyRoute.Webhook or BodyRoute.ManualRun => ["/api/runs?limit=50"],
            _ => Array.Empty<string>(),
        };
        foreach (var read in reads)
        {
            using var answer = await Backend.SendAsync(HttpMethod.Get, read, Tenant);
            if (!answer.IsSuccessStatusCode)
            {
                return $"accepted ({(int)response.StatusCode}) but GET {read} answered {(int)answer.StatusCode}: {Cut(await answer.Content.ReadAsStringAsync())}";
            }

            if (read.StartsWith("/api/runs", StringComparison.Ordinal))
            {
                foreach (var run in JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["items"]!.AsArray().Take(5))
                {
                    using var one = await Backend.SendAsync(HttpMethod.Get, "/api/runs/" + run!["id"]!.GetValue<string>(), Tenant);
                    if (!one.IsSuccessStatusCode)
                    {
                        return $"GET a run answered {(int)one.StatusCode}: {Cut(await one.Content.ReadAsStringAsync())}";
                    }
                }
            }
        }

        if (created is not null && route is BodyRoute.CreateRule or BodyRoute.CreateRichRule or BodyRoute.CreateConnection or BodyRoute.CreateWebhook)
        {
            var collection = route switch { BodyRoute.CreateRule or BodyRoute.CreateRichRule => "rules", BodyRoute.CreateConnection => "connections", _ => "webhooks" };
            using var deleted = await Backend.SendAsync(HttpMethod.Delete, $"/api/{collection}/{created}", Tenant);
            if ((int)deleted.StatusCode >= 500)
            {
                return $"DELETE answered {(int)deleted.StatusCode}";
            }
        }

        return null;
    }

    /// <summary>The field a refusal must name: the node, or for the webhook (whose body is a string) that string.</summary>
    private static string Field(BodyRoute route, string path) => route is BodyRoute.Webhook ? "body" : path;

    /// <summary>Nodes a route ignores by contract (the body of a pre-uninstall is not trusted), so any answer does.</summary>
    private static bool Ignored(BodyRoute route) => route is BodyRoute.Uninstall or BodyRoute.Scheduled;
}
