using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BluBees.Infra.Tests;

/// <summary>
/// Every path Forge calls on the backend reaches the API function through the HTTP API: each endpoint module's
/// <c>route.path</c> in forge-app/manifest.yml (Forge posts triggers, life-cycle events and the preUninstall call there:
/// https://developer.atlassian.com/platform/forge/manifest-reference/modules/endpoint/) and the path the web trigger's
/// forwarder function invokes (<c>WEBHOOK_PATH</c> in forge-app/src/webhook.js). The HTTP API has explicit routes only
/// (<see cref="HttpApiTests"/>), so a path missing there is API Gateway's own 404 before the app runs: the preUninstall
/// route <c>/forge/uninstall</c> was mapped by the app and named by the manifest but not routed, so on AWS an uninstall
/// never reached the backend and deleted nothing of the tenant (connections and their secrets, the data key, runs).
/// </summary>
[TestFixture]
internal sealed partial class ForgeRoutesAtTheEdgeTests
{
    [Test]
    public void Every_path_Forge_calls_is_routed_to_the_api_function()
    {
        var called = ManifestEndpointPaths().Append(WebhookForwarderPath()).ToList();
        Assert.That(called, Has.Count.GreaterThanOrEqualTo(5), "the manifest's endpoint routes and the forwarder's path were read");
        Assert.That(called, Does.Contain("/forge/events").And.Contain("/forge/webhook"));

        var routed = Functions.Events("HttpApi")
            .Where(e => e.Function == Functions.Api)
            .Select(e => (Method: Cfn.Str(e.Properties["Method"])?.ToUpperInvariant(), Path: Cfn.Str(e.Properties["Path"])))
            .ToList();
        var missing = called.Where(path => !routed.Any(r => r.Method is "POST" or "ANY" && Routes(r.Path, path))).ToList();
        Assert.That(missing, Is.Empty, "paths Forge POSTs to that the HTTP API does not route (API Gateway answers 404, the app never runs)");
    }

    /// <summary>Whether an HTTP API route path (exact, or <c>/prefix/{proxy+}</c>) matches a request path.</summary>
    private static bool Routes(string? routePath, string path)
        => routePath is not null && (routePath == path
            || (routePath.EndsWith("/{proxy+}", StringComparison.Ordinal) && path.StartsWith(routePath[..^"{proxy+}".Length], StringComparison.Ordinal)));

    private static IEnumerable<string> ManifestEndpointPaths()
    {
        var manifest = Cfn.Obj(CloudFormationYaml.Parse(File.ReadAllText(RepositoryPaths.File("forge-app", "manifest.yml"))), "manifest.yml");
        var endpoints = Cfn.List(manifest["modules"]?["endpoint"]);
        Assert.That(endpoints, Is.Not.Empty, "modules.endpoint of forge-app/manifest.yml");
        return endpoints.Select(e => Cfn.Str(e?["route"]?["path"])).OfType<string>().ToList();
    }

    private static string WebhookForwarderPath()
    {
        var match = WebhookPath().Match(File.ReadAllText(RepositoryPaths.File("forge-app", "src", "webhook.js")));
        Assert.That(match.Success, Is.True, "WEBHOOK_PATH in forge-app/src/webhook.js");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"export const WEBHOOK_PATH = '([^']+)';")]
    private static partial Regex WebhookPath();
}
