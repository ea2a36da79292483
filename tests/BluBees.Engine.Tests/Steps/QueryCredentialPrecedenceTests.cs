using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// A connection's query-string API key wins over a parameter of the same name, like a header credential does. Issue
/// data rendered into the step's path could carry its own query ("x?api_key=forged"): the forged key was sent first,
/// ahead of the connection's, and a server that reads the first value ran the call under the issue author's key.
/// </summary>
public sealed class QueryCredentialPrecedenceTests
{
    private const string Secret = "query-secret";

    // A value rendered into the path is encoded by default ("?" becomes "%3F": no query at all); with url_raw it is
    // inserted as it is, as every value was before that default, and the connection's key must still win.
    [TestCase("x?api_key=forged", "")]
    [TestCase("x?a=1&API_KEY=forged", "")]
    [TestCase("x?api_key=forged", " | url_raw")]
    [TestCase("x?a=1&API_KEY=forged", " | url_raw")]
    [TestCase("x?api%5Fkey=forged", " | url_raw", Description = "an encoded name a server decodes")]
    public async Task Only_the_connections_key_is_sent_whatever_the_path_renders(string summary, string filter)
    {
        await using var server = LoopbackServer.Ok("{}");
        using var h = new PolicyHarness();
        var tenant = new TenantId("tenant-query");
        var connection = await h.CreateAsync(tenant, new ConnectionInput
        {
            Name = "Query API",
            BaseUrl = server.Url("/api").ToString(),
            Auth = new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" },
            Secret = Secret,
        });
        var scope = StepKit.Scope();
        scope["issue"]!["fields"]!["summary"] = summary;

        var outcome = await h.RunAsync(PolicyHarness.Run(tenant.Value, scope), PolicyHarness.Step(connection, path: "/items/{{ issue.fields.summary" + filter + " }}"));

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        var query = new Uri(server.Url(), server.Requests.Single().Target).Query.TrimStart('?').Split('&');
        Assert.That(query.Where(p => Uri.UnescapeDataString(p.Split('=')[0]).Equals("api_key", StringComparison.OrdinalIgnoreCase)),
            Is.EqualTo(new[] { "api_key=" + Secret }));
    }
}
