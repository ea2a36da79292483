using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// Issue data rendered into a step's <c>path</c> or <c>url</c> without <c>url_encode</c> changed the request: a '?'
/// started a query, a '#' cut the rest off, a '/' added a segment, a '&amp;' added a parameter, ".." went one level up.
/// A value rendered into the path or query is now percent-encoded by default (RFC 3986, as <c>url_encode</c>);
/// <c>url_encode</c> as the last filter is not encoded twice, and <c>url_raw</c> inserts a value as it is.
/// </summary>
public sealed class UrlDataEncodingTests
{
    private const string Secret = "url-encoding-secret";

    [TestCase("a?b=1", "/api/v2/tenants/42/items/a%3Fb%3D1/notes")]
    [TestCase("a#frag", "/api/v2/tenants/42/items/a%23frag/notes")]
    [TestCase("a/b", "/api/v2/tenants/42/items/a%2Fb/notes")]
    [TestCase("a&b=c d", "/api/v2/tenants/42/items/a%26b%3Dc%20d/notes")]
    [TestCase("Ünïcode ✓", "/api/v2/tenants/42/items/%C3%9Cn%C3%AFcode%20%E2%9C%93/notes")]
    [TestCase("OPS-7", "/api/v2/tenants/42/items/OPS-7/notes")]
    public async Task A_value_rendered_into_the_path_is_one_segment(string summary, string target)
    {
        var (server, h, connection) = await StartAsync();
        await using var _ = server;
        using var __ = h;

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-url", Scope(summary)), PolicyHarness.Step(connection, path: "/items/{{ issue.fields.summary }}/notes"));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { target }));
    }

    [TestCase(".")]
    [TestCase("..")]
    public async Task A_value_that_is_a_dot_segment_is_not_sent(string summary)
    {
        var (server, h, connection) = await StartAsync();
        await using var _ = server;
        using var __ = h;

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-url", Scope(summary)), PolicyHarness.Step(connection, path: "/items/{{ issue.fields.summary }}/notes"));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.InvalidUrl));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero, "'..' must not take the request one level up");
    }

    /// <summary>
    /// A step reading an earlier step that was skipped (its <c>if</c> was false) finds nothing, and
    /// "/tickets/{{ steps.lookup.body.id }}" rendered "/tickets/": a PUT or DELETE meant for one ticket went to the
    /// collection. An output that leaves a whole path segment empty now fails the step before anything is sent.
    /// </summary>
    [TestCase("/tickets/{{ steps.lookup.body.id }}", Description = "a skipped step's output")]
    [TestCase("/tickets/{{ steps.lookup.body.id }}/notes")]
    [TestCase("{{ steps.lookup.body.id }}/notes", Description = "at the start of the path")]
    [TestCase("/tickets/{{ steps.lookup.body.id | url_encode }}?full=1", Description = "url_encode of nothing is nothing")]
    public async Task A_value_that_leaves_a_path_segment_empty_is_not_sent(string path)
    {
        var (server, h, connection) = await StartAsync();
        await using var _ = server;
        using var __ = h;

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-url", Scope("x")), PolicyHarness.Step(connection, method: "DELETE", path: path));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(outcome.Record.FailedField, Is.EqualTo("path"));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
    }

    [TestCase("/tickets/a{{ steps.lookup.body.id }}", "/api/v2/tenants/42/tickets/a", Description = "part of a segment")]
    [TestCase("/tickets?q={{ steps.lookup.body.id }}", "/api/v2/tenants/42/tickets?q=", Description = "in the query")]
    [TestCase("/tickets/{{ steps.lookup.body.id | url_raw }}", "/api/v2/tenants/42/tickets/", Description = "url_raw: meant")]
    [TestCase("/tickets/{{ steps.lookup.body.id | default: 'new' }}", "/api/v2/tenants/42/tickets/new")]
    public async Task An_empty_value_that_leaves_no_empty_segment_is_sent(string path, string target)
    {
        var (server, h, connection) = await StartAsync();
        await using var _ = server;
        using var __ = h;

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-url", Scope("x")), PolicyHarness.Step(connection, path: path));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { target }));
    }

    [Test]
    public async Task A_value_in_a_urls_query_is_one_parameter_value()
    {
        var (server, h, connection) = await StartAsync();
        await using var _ = server;
        using var __ = h;
        var step = StepKit.ValidAtRunTime($$$"""
            { "id": "call", "type": "http", "connection": "{{{connection.Id}}}", "url": "{{{server.Url("/api/v2/tenants/42/search")}}}?q={{ issue.fields.summary }}&n=1" }
            """);

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-url", Scope("x&admin=true#y")), step);

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { "/api/v2/tenants/42/search?q=x%26admin%3Dtrue%23y&n=1" }));
    }

    [TestCase("{{ issue.fields.summary | url_encode }}", "a b/c", "/api/v2/tenants/42/items/a%20b%2Fc", Description = "encoded once, not twice")]
    [TestCase("{{ issue.fields.summary | url_raw }}", "7/notes", "/api/v2/tenants/42/items/7/notes", Description = "url_raw: the admin's choice to insert a value as it is")]
    [TestCase("{% capture k %}{{ issue.fields.summary }}{% endcapture %}{{ k }}", "a/b", "/api/v2/tenants/42/items/a%2Fb", Description = "a capture is encoded once, where it is output")]
    [TestCase("{{ issue.fields.labels }}", "x", "/api/v2/tenants/42/items/ui%2C%20auth", Description = "a list renders as its text, encoded")]
    public async Task Url_encode_and_url_raw_as_the_last_filter_are_left_as_they_render(string template, string summary, string target)
    {
        var (server, h, connection) = await StartAsync();
        await using var _ = server;
        using var __ = h;
        var scope = Scope(summary);
        scope["issue"]!["fields"]!["labels"] = new System.Text.Json.Nodes.JsonArray("ui", "auth");

        var outcome = await h.RunAsync(PolicyHarness.Run("tenant-url", scope), PolicyHarness.Step(connection, path: "/items/" + template));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(server.Requests.Select(r => r.Target), Is.EqualTo(new[] { target }));
    }

    [TestCase("Url", "{{ base }}/items/{{ v }}", "https://api.example.com/v1/items/a%2Fb%3F", Description = "a base URL from data keeps its '://' and '/'")]
    [TestCase("Url", "https://{{ region }}.example.com/x?{{ v }}", "https://eu.example.com/x?a%2Fb%3F", Description = "the host is the egress guard's to check")]
    [TestCase("Url", "https://api.example.com{% if v %}/items/{{ v }}{% endif %}", "https://api.example.com/items/a%2Fb%3F", Description = "inside a block too")]
    [TestCase("Path", "{{ v }}", "a%2Fb%3F", Description = "all of a path template is path or query")]
    [TestCase("None", "{{ base }}/{{ v }}", "https://api.example.com/v1/a/b?", Description = "other templates are not URLs")]
    public void Only_outputs_in_the_path_or_query_are_encoded(string part, string source, string expected)
    {
        var scope = new System.Text.Json.Nodes.JsonObject { ["base"] = "https://api.example.com/v1", ["region"] = "eu", ["v"] = "a/b?" };

        var result = BluBees.Engine.Tests.Templates.TemplateTestKit.Compile(source)
            .RenderUrl(scope, BluBees.Engine.Templates.TemplateLimits.Default, Enum.Parse<BluBees.Engine.Templates.UrlTemplatePart>(part));

        Assert.That(result.Output, Is.EqualTo(expected));
    }

    private static async Task<(LoopbackServer Server, PolicyHarness H, Connection Connection)> StartAsync()
    {
        var server = LoopbackServer.Ok("{}");
        var h = new PolicyHarness();
        var connection = await h.CreateAsync(new TenantId("tenant-url"), new ConnectionInput
        {
            Name = "Tenant API",
            BaseUrl = server.Url("/api/v2/tenants/42").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.Bearer },
            Secret = Secret,
            Resilience = new ConnectionResilience { MaxRetries = 0 },
        });
        return (server, h, connection);
    }

    private static System.Text.Json.Nodes.JsonObject Scope(string summary)
    {
        var scope = StepKit.Scope();
        scope["issue"]!["fields"]!["summary"] = summary;
        return scope;
    }
}
