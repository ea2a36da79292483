using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// An http step's <c>path</c> is relative to its connection's base URL (api.md), and the issue data rendered into it
/// comes from whoever wrote the issue, not from the admin who configured the connection. Dot segments in that data
/// ('../', also percent-encoded, which the URL parser decodes and removes) walked the request out of the base path —
/// /api/v2/tenants/42/items/../../admin was sent to /api/v2/tenants/admin, with the connection's credential.
/// </summary>
public sealed class PathTraversalTests
{
    private const string Secret = "path-traversal-secret";

    [TestCase("../../admin")]
    [TestCase("%2e%2e/%2e%2e/admin")]
    [TestCase("x/../../../../../../admin")]
    [TestCase("../..")]
    [TestCase("..%2F..%2Fadmin", Description = "an encoded slash: servers and proxies that decode it before resolving dot segments")]
    [TestCase("..%2f..%2fadmin")]
    [TestCase("..%5C..%5Cadmin", Description = "an encoded backslash, a separator to IIS")]
    [TestCase("..;/..;/admin", Description = "a path parameter: Tomcat and Spring read '..;' as '..'")]
    [TestCase("%252e%252e/%252e%252e/admin", Description = "double encoding, for a server that decodes twice")]
    public async Task Issue_data_that_leaves_the_base_path_is_not_sent(string summary)
    {
        foreach (var filter in new[] { "", " | url_raw" })
        {
            await using var server = LoopbackServer.Ok("{}");
            using var h = new PolicyHarness();
            var tenant = new TenantId("tenant-path");
            var connection = await CreateAsync(h, tenant, server);

            var outcome = await h.RunAsync(PolicyHarness.Run(tenant.Value, Scope(summary)), PolicyHarness.Step(connection, path: "/items/{{ issue.fields.summary" + filter + " }}"));

            Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed), filter);
            Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.InvalidUrl), filter);
            Assert.That(await server.SettledConnectionsAsync(), Is.Zero, "nothing may be sent outside the base path" + filter);
        }
    }

    // A value rendered into the path is encoded by default (UrlDataEncodingTests): "sub/../7" is then one segment
    // with an encoded dot segment, refused. url_raw inserts it as it is, as every value was before that default.
    [TestCase("sub/../7", "/api/v2/tenants/42/items/7")]
    [TestCase("7", "/api/v2/tenants/42/items/7")]
    public async Task Dot_segments_that_stay_under_the_base_path_are_sent_as_before(string summary, string target)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-path");
        var connection = await CreateAsync(h, tenant, server);

        var outcome = await h.RunAsync(PolicyHarness.Run(tenant.Value, Scope(summary)), PolicyHarness.Step(connection, path: "/items/{{ issue.fields.summary | url_raw }}"));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        var request = server.Requests.Single();
        Assert.That(request.Target, Is.EqualTo(target));
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Secret));
    }

    /// <summary>
    /// <c>url_encode</c> turns '/' into '%2F', so "../../admin" arrives as "..%2F..%2Fadmin": a server that decodes the
    /// slash resolves it as a walk out of the base path. A value with an encoded slash and no dot segment is still data.
    /// </summary>
    [TestCase("../../admin", false, null)]
    [TestCase("a/b", true, "/api/v2/tenants/42/items/a%2Fb")]
    public async Task An_encoded_value_is_sent_only_without_dot_segments(string summary, bool sent, string? target)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-path");
        var connection = await CreateAsync(h, tenant, server);

        var outcome = await h.RunAsync(PolicyHarness.Run(tenant.Value, Scope(summary)), PolicyHarness.Step(connection, path: "/items/{{ issue.fields.summary | url_encode }}"));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(sent ? null : ErrorCategories.InvalidUrl));
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(sent ? new[] { target } : Array.Empty<string>()));
    }

    /// <summary>
    /// A templated <c>url</c> on a connection: issue data rendered after the template's literal path walked the request
    /// out of it with the connection's credential ("{base}/items/{{ summary }}" with "../../admin" reached /api/v2/tenants/admin).
    /// The rendered URL now stays under the path the template spells out before its first placeholder. The value is
    /// inserted with url_raw, as every value was before values in a path were encoded by default: the guard holds for it.
    /// </summary>
    [TestCase("../../admin", false, null)]
    [TestCase("..%2F..%2Fadmin", false, null)]
    [TestCase("..\\..\\admin", false, null, Description = "the URL parser reads a backslash as a slash")]
    [TestCase("%2e%2e/%2e%2e/admin", false, null)]
    [TestCase("sub/../7", true, "/api/v2/tenants/42/items/7")]
    public async Task Issue_data_in_a_templated_url_stays_under_the_templates_path(string summary, bool sent, string? target)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-path");
        var connection = await CreateAsync(h, tenant, server);
        var step = StepKit.ValidAtRunTime($$$"""
            { "id": "call", "type": "http", "connection": "{{{connection.Id}}}", "url": "{{{server.Url("/api/v2/tenants/42/items/")}}}{{ issue.fields.summary | url_raw }}" }
            """);

        var outcome = await h.RunAsync(PolicyHarness.Run(tenant.Value, Scope(summary)), step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(sent ? null : ErrorCategories.InvalidUrl));
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(sent ? new[] { target } : Array.Empty<string>()));
        Assert.That(server.Requests.All(r => r.Header("Authorization") == "Bearer " + Secret));
    }

    private static Task<Connection> CreateAsync(PolicyHarness h, TenantId tenant, LoopbackServer server) =>
        h.CreateAsync(tenant, new ConnectionInput
        {
            Name = "Tenant API",
            BaseUrl = server.Url("/api/v2/tenants/42").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.Bearer },
            Secret = Secret,
            Resilience = new ConnectionResilience { MaxRetries = 0 },
        });

    private static System.Text.Json.Nodes.JsonObject Scope(string summary)
    {
        var scope = StepKit.Scope();
        scope["issue"]!["fields"]!["summary"] = summary;
        return scope;
    }
}
