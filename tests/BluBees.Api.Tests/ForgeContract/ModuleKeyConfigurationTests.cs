using System.Net;
using BluBees.Api.Auth;
using BluBees.Api.Tests.Harness;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace BluBees.Api.Tests.ForgeContract;

/// <summary>
/// The module keys each route accepts come from validated configuration (<c>ForgeModules</c>), and their defaults are
/// exactly the keys in forge-app/manifest.yml: if the manifest and the defaults drift apart, this fails.
/// </summary>
public sealed class ModuleKeyConfigurationTests
{
    private TestIssuer _issuer = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _issuer = await TestIssuer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _issuer.DisposeAsync();

    private static YamlMappingNode Modules()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "forge-app", "manifest.yml")))
        {
            dir = dir.Parent;
        }

        Assert.That(dir, Is.Not.Null, "forge-app/manifest.yml not found above the test binaries");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(dir!.FullName, "forge-app", "manifest.yml")))
        {
            yaml.Load(reader);
        }

        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["modules"];
    }

    private static IEnumerable<YamlMappingNode> Entries(YamlMappingNode modules, string kind)
        => modules.Children.TryGetValue(new YamlScalarNode(kind), out var list) ? ((YamlSequenceNode)list).Children.Cast<YamlMappingNode>() : [];

    private static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return (current as YamlScalarNode)?.Value;
    }

    [Test]
    public void The_manifest_subscribes_to_every_Jira_event_a_rule_can_name_and_to_no_other()
    {
        // A trigger event the backend accepts but the manifest does not subscribe to saves fine and never fires; one
        // subscribed but unknown is acknowledged and dropped (EventTypes; FORGE.md "Jira events worth supporting").
        var subscribed = Entries(Modules(), "trigger")
            .SelectMany(t => ((YamlSequenceNode)t["events"]).Children.Select(e => ((YamlScalarNode)e).Value!))
            .Where(e => e.StartsWith("avi:jira:", StringComparison.Ordinal));
        Assert.That(subscribed, Is.EquivalentTo(BluBees.Engine.Events.EventTypes.Supported));
    }

    [Test]
    public void The_defaults_are_the_manifest_modules_of_each_route()
    {
        var modules = Modules();
        var defaults = new ForgeModuleOptions();
        var endpoints = Entries(modules, "endpoint").ToDictionary(e => Scalar(e, "key")!, e => Scalar(e, "route", "path"));

        // Backend routes: the endpoint module whose route.path is the route, and which the trigger names.
        foreach (var (route, path, key) in new[]
        {
            (ForgeRoute.Events, "/forge/events", defaults.Events), (ForgeRoute.Lifecycle, "/forge/lifecycle", defaults.Lifecycle),
            (ForgeRoute.Uninstall, "/forge/uninstall", defaults.Uninstall), (ForgeRoute.Scheduled, "/forge/scheduled", defaults.Scheduled),
        })
        {
            Assert.That(endpoints, Does.ContainKey(key), $"{route}: the manifest has no endpoint module '{key}'");
            Assert.That(endpoints[key], Is.EqualTo(path), $"{route}: endpoint '{key}' must route to {path}");
        }

        Assert.Multiple(() =>
        {
            Assert.That(Entries(modules, "trigger").Where(t => Scalar(t, "endpoint") == defaults.Events).SelectMany(t => ((YamlSequenceNode)t["events"]).Children).Select(e => e.ToString()),
                Has.Some.StartsWith("avi:jira:"), "the product-event trigger names the events endpoint");
            Assert.That(Entries(modules, "trigger").Where(t => Scalar(t, "endpoint") == defaults.Lifecycle).SelectMany(t => ((YamlSequenceNode)t["events"]).Children).Select(e => e.ToString()),
                Is.EquivalentTo(new[] { "avi:forge:installed:app", "avi:forge:upgraded:app" }), "the lifecycle trigger names the lifecycle endpoint");
            Assert.That(Entries(modules, "preUninstall").Select(p => Scalar(p, "endpoint")), Is.EqualTo(new[] { defaults.Uninstall }), "preUninstall has its own endpoint");
            Assert.That(Entries(modules, "scheduledTrigger").Select(p => Scalar(p, "endpoint")).Distinct(), Is.EqualTo(new[] { defaults.Scheduled }));
            Assert.That(Entries(modules, "webtrigger").Select(w => Scalar(w, "key")), Does.Contain(defaults.Webhook), "the web trigger that forwards to /forge/webhook");

            // The UI: the tokens of /api/* name the Custom UI modules themselves (app.module.key of a front-end
            // invocation, https://developer.atlassian.com/platform/forge/remote/essentials/), both resolving through one
            // endpoint with no route (the caller names the path).
            Assert.That(Entries(modules, "jira:adminPage").Select(m => Scalar(m, "key")), Is.EqualTo(new[] { defaults.Ui }), "the admin page");
            Assert.That(Entries(modules, "jira:issuePanel").Select(m => Scalar(m, "key")), Is.EqualTo(new[] { defaults.IssuePanel }), "the issue panel");
            var resolvers = Entries(modules, "jira:adminPage").Concat(Entries(modules, "jira:issuePanel")).Select(m => Scalar(m, "resolver", "endpoint")).Distinct().ToList();
            Assert.That(resolvers, Has.Count.EqualTo(1));
            Assert.That(endpoints, Does.ContainKey(resolvers[0]!));
            Assert.That(endpoints[resolvers[0]!], Is.Null, "the UI resolver endpoint has no route");
            endpoints.Remove(resolvers[0]!);
        });

        // Every other remote endpoint of the manifest is one of the configured routes' modules: nothing unaccounted for.
        Assert.That(endpoints.Keys, Is.EquivalentTo(new[] { defaults.Events, defaults.Lifecycle, defaults.Uninstall, defaults.Scheduled }));
    }

    [Test]
    public async Task Configured_keys_replace_the_defaults()
    {
        await using var backend = await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { ["ForgeModules:Events"] = "events-v2" });
        var tenant = Samples.NewTenant();
        using var oldKey = await backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", _issuer.MintFor("/forge/events", tenant), Samples.Event("OPS-3", "x"), withUserToken: false);
        using var newKey = await backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", _issuer.Mint(TestIssuer.For(tenant, null, "events-v2")), Samples.Event("OPS-4", "y"), withUserToken: false);
        Assert.Multiple(() =>
        {
            Assert.That(oldKey.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(newKey.StatusCode, Is.AnyOf(HttpStatusCode.Accepted, HttpStatusCode.OK));
        });
    }

    [TestCase("ForgeModules:Ui", "events-endpoint", "own module key")]
    [TestCase("ForgeModules:Lifecycle", "has spaces", "manifest module key")]
    [TestCase("ForgeModules:Events", "", "")]
    [TestCase("ForgeModules:Webhook", "a-key-that-is-far-too-long-for-forge", "manifest module key")]
    public async Task A_bad_module_key_stops_the_start(string setting, string value, string message)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
            await (await BackendHost.StartAsync(_issuer, new Dictionary<string, string?> { [setting] = value })).DisposeAsync());
        Assert.That(ex!.Message, Does.Contain("ForgeModules").Or.Contain(setting.Split(':')[1]));
        Assert.That(ex.Message, Does.Contain(message));
    }
}
