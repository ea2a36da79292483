using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Api.Tests.Ingress;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The caller of invokeRemote chooses the path, so a valid signature proves nothing about the route: each route accepts
/// only tokens minted for its own manifest module (<c>app.module.key</c>); <c>/forge/*</c> never accepts a token naming a
/// user, and <c>/api/*</c> only the UI resolver's tokens, with a user.
/// </summary>
public sealed class ForgeModuleTests : BackendFixture
{
    private static readonly string[] ForgeRoutes = ["/forge/events", "/forge/lifecycle", "/forge/uninstall", "/forge/scheduled", "/forge/webhook"];

    private static readonly string[] AllModules =
        [ForgeModuleKeys.Events, ForgeModuleKeys.Lifecycle, ForgeModuleKeys.Uninstall, ForgeModuleKeys.Scheduled, ForgeModuleKeys.Webhook,
         ForgeModuleKeys.WebhookFunction, ForgeModuleKeys.Ui, ForgeModuleKeys.IssuePanel, ForgeModuleKeys.UiEndpoint];

    private string Token(string tenant, string? module, string? account) => Issuer.Mint(TestIssuer.For(tenant, account, module));

    private static object BodyFor(string path, string tenant) => path switch
    {
        "/forge/events" => Samples.Event("OPS-" + Random.Shared.Next(100, 99999), "invented issue"),
        "/forge/lifecycle" => new JsonObject { ["eventType"] = "avi:forge:installed:app" },
        "/forge/uninstall" => LifecycleTests.PreUninstallBody(tenant),
        "/forge/webhook" => new JsonObject { ["hookId"] = "hook_abcdefgh", ["body"] = "{}", ["signature"] = "sha256=00", ["timestamp"] = "1" },
        _ => new JsonObject(),
    };

    private static async Task AssertForbiddenAsync(HttpResponseMessage response, string what, string detail)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), what);
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain(detail), what);
    }

    [Test]
    public async Task A_custom_ui_token_reaches_no_forge_route_and_changes_nothing()
    {
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        await CreateRuleAsync(tenant, Samples.Rule(connectionId));

        // The attack of the finding: a UI call (user principal, the UI resolver's module) choosing a /forge path.
        foreach (var path in ForgeRoutes)
        {
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, path, Issuer.Mint(tenant), BodyFor(path, tenant));
            await AssertForbiddenAsync(response, path, "app.module.key");
        }

        await Task.Delay(300);
        Assert.Multiple(async () =>
        {
            Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1), "not uninstalled");
            Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant))["items"]!.AsArray(), Is.Empty, "no rule fired on the invented issue");
        });
    }

    [Test]
    public async Task Tokens_of_the_admin_page_and_the_issue_panel_reach_the_api_as_Forge_mints_them()
    {
        // Forge puts the Custom UI module's own key in a front-end invocation's token (app.module {"type": "xen:macro",
        // "key": "forge-remote-app-boot"}, the key context.moduleKey carries too; https://developer.atlassian.com/platform/forge/remote/essentials/),
        // The table also calls that key "the Forge module key for this endpoint": a token naming the resolver endpoint
        // both modules share (ui-endpoint) is taken as the admin page's, so the UI works under either reading.
        var tenant = Samples.NewTenant();
        using var admin = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", Token(tenant, "blubees-admin", "557058:admin"));
        using var panel = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/issues/OPS-1/runs?issueId=11", Token(tenant, "blubees-issue-panel", "557058:admin"));
        using var resolver = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", Token(tenant, "ui-endpoint", "557058:admin"));
        Assert.Multiple(() =>
        {
            Assert.That(admin.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the admin page (jira:adminPage blubees-admin)");
            Assert.That(panel.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the issue panel (jira:issuePanel blubees-issue-panel)");
            Assert.That(resolver.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the resolver endpoint's key, as the admin page's");
        });

        // Neither UI module's token opens a backend route.
        using var panelOnEvents = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", Token(tenant, "blubees-issue-panel", null), BodyFor("/forge/events", tenant));
        await AssertForbiddenAsync(panelOnEvents, "issue panel on /forge/events", "app.module.key");
    }

    [Test]
    public async Task The_issue_panels_token_opens_only_the_routes_the_panel_calls()
    {
        // The panel lists an issue's runs and manual rules and runs a manual rule (IssuePanel.tsx); configuration is the
        // admin page's. Its token (app.module.key blubees-issue-panel), even an administrator's, opens nothing else.
        var tenant = Samples.NewTenant();
        var connectionId = await CreateConnectionAsync(tenant);
        var panel = Token(tenant, ForgeModuleKeys.IssuePanel, "557058:admin");
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/rules"), (HttpMethod.Get, "/api/connections"), (HttpMethod.Delete, $"/api/connections/{connectionId}"), (HttpMethod.Get, "/api/runs") })
        {
            using var response = await Backend.SendWithTokenAsync(method, path, panel);
            await AssertForbiddenAsync(response, $"{method} {path}", "app.module.key");
        }

        foreach (var path in new[] { "/api/me", "/api/issues/OPS-1/runs?issueId=11", "/api/issues/OPS-1/manual-rules" })
        {
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, path, panel);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        }

        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1), "nothing deleted");
    }

    [TestCaseSource(nameof(ForgeRoutes))]
    public async Task A_forge_route_refuses_its_own_modules_token_when_it_names_a_user(string path)
    {
        var tenant = Samples.NewTenant();
        await CreateConnectionAsync(tenant);
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, path, Token(tenant, ForgeModuleKeys.ForPath(path), "557058:admin"), BodyFor(path, tenant));
        await AssertForbiddenAsync(response, path, "never on behalf of a user");
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [TestCaseSource(nameof(ForgeRoutes))]
    public async Task A_forge_route_accepts_only_its_own_module(string path)
    {
        var tenant = Samples.NewTenant();
        foreach (var module in AllModules.Append("Events-Endpoint").Append(ForgeModuleKeys.ForPath(path) + " ").Append(string.Empty))
        {
            // /forge/webhook: the web trigger's key or its forwarder function's (which one a function's call carries
            // is not in Atlassian's FIT table).
            var own = module == ForgeModuleKeys.ForPath(path) || path == "/forge/webhook" && module == ForgeModuleKeys.WebhookFunction;
            using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, path, Token(tenant, module, null), BodyFor(path, tenant), withUserToken: false);
            if (own)
            {
                Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.Forbidden).And.Not.EqualTo(HttpStatusCode.Unauthorized), $"{path} with its own module");
            }
            else
            {
                await AssertForbiddenAsync(response, $"{path} with '{module}'", "app.module.key");
            }
        }
    }

    [Test]
    public async Task A_token_without_app_module_is_refused_on_every_route_family_even_with_a_matching_context_moduleKey()
    {
        var tenant = Samples.NewTenant();
        var noModule = Issuer.Mint(TestIssuer.For(tenant, "557058:admin", module: null), editClaims: c => c["context"]!["moduleKey"] = ForgeModuleKeys.Ui);
        var stringModule = Issuer.Mint(TestIssuer.For(tenant, "557058:admin"), editClaims: c => c["app"]!["module"] = ForgeModuleKeys.Ui);
        var topLevel = Issuer.Mint(TestIssuer.For(tenant, null, module: null), editClaims: c => c["module"] = new JsonObject { ["key"] = ForgeModuleKeys.Events });
        foreach (var (token, method, path) in new[]
        {
            (noModule, HttpMethod.Get, "/api/me"), (stringModule, HttpMethod.Get, "/api/me"), (topLevel, HttpMethod.Post, "/forge/events"),
        })
        {
            using var response = await Backend.SendWithTokenAsync(method, path, token, method == HttpMethod.Post ? BodyFor(path, tenant) : null);
            await AssertForbiddenAsync(response, path, "app.module.key");
        }
    }

    [Test]
    public async Task Api_accepts_only_the_ui_resolver_module_and_only_with_a_user()
    {
        var tenant = Samples.NewTenant();
        // Backend modules' keys only: the UI modules' (and their resolver endpoint's) are the ones /api/* takes.
        foreach (var module in AllModules.Except([ForgeModuleKeys.Ui, ForgeModuleKeys.IssuePanel, ForgeModuleKeys.UiEndpoint]))
        {
            foreach (var account in new[] { "557058:admin", null })
            {
                foreach (var path in new[] { "/api/me", "/api/rules", "/api/issues/OPS-1/runs?issueId=11" })
                {
                    using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, path, Token(tenant, module, account));
                    await AssertForbiddenAsync(response, $"{path} with {module}", "app.module.key");
                }
            }
        }

        using var noUser = await Backend.SendWithTokenAsync(HttpMethod.Post, "/api/rules/rule_x/run", Token(tenant, ForgeModuleKeys.Ui, null), new { issueKey = "OPS-1" });
        await AssertForbiddenAsync(noUser, "manual run without a principal", "not made by a signed-in Jira user");
        // An empty principal is not an account id: the token is malformed (PrincipalClaimTests), refused before any route's rule.
        using var emptyUser = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", Token(tenant, ForgeModuleKeys.Ui, string.Empty));
        Assert.That(emptyUser.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "empty principal");
        using var ok = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", Token(tenant, ForgeModuleKeys.Ui, "557058:admin"));
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_refused_module_is_logged_as_a_category_without_the_token()
    {
        var tenant = Samples.NewTenant();
        var token = Issuer.Mint(tenant);
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/events", token, BodyFor("/forge/events", tenant));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Backend.Logs.AllText, Does.Contain("Forge token refused on a Events route: WrongModule"));
        Assert.That(Backend.Logs.AllText, Does.Not.Contain(token));
    }
}
