using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Fuzz.RouteFuzzHelpers;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>The path battery of the route fuzzer: every path value of an <c>/api</c> route that reads one, malformed.</summary>
public sealed class RouteFuzzPathTests : RouteFuzzFixture
{
    /// <summary>Each path and query value of every <c>/api</c> GET/POST/DELETE that reads one, malformed.</summary>
    private static readonly string[] PathJunk =
    [
        // Not here: a NUL (%00), which Kestrel refuses with an empty 400 before any code of ours (docs/api.md, Errors), and
        // dot segments, which the client removes before sending.
        "%ED%A0%80", "%C3%28", "%E2%80%8F", "a%2Fb", "%20", "%25", "'%20OR%201=1", new string('x', 4000), "%F0%9F%98%80",
        "rule_" + new string('0', 200), "-1", "0", "99999999999999999999", "1e3", "%5Cu0000", "%FF", "%zz", "%",
    ];

    private static readonly string[] PathTemplates =
    [
        "GET /api/runs/{}", "GET /api/issues/{}/runs", "GET /api/issues/{}/manual-rules", "GET /api/issues/{}/sample-event",
        "POST /api/rules/{}/run", "GET /api/connections/{}", "PUT /api/connections/{}", "DELETE /api/connections/{}",
        "GET /api/rules/{}", "PUT /api/rules/{}", "DELETE /api/rules/{}", "POST /api/rules/{}/enable", "POST /api/rules/{}/disable",
        "GET /api/rules/{}/versions", "GET /api/rules/{rule}/versions/{}", "POST /api/rules/{rule}/versions/{}/restore",
        "POST /api/rules/{}/dry-run", "GET /api/rules/{}/trace", "GET /api/webhooks/{}", "DELETE /api/webhooks/{}",
        "POST /api/webhooks/{}/rotate-secret", "DELETE /api/support/grants/{}",
    ];

    private static IEnumerable<TestCaseData> PathCases() => PathTemplates.Select(t => new TestCaseData(t).SetName("path: " + t));

    [TestCaseSource(nameof(PathCases))]
    public async Task A_malformed_path_value_is_a_4xx_problem(string template)
    {
        var failures = new List<string>();
        var (method, path) = (new HttpMethod(template.Split(' ')[0]), template.Split(' ')[1]);
        foreach (var junk in PathJunk)
        {
            var target = path.Replace("{rule}", RuleId, StringComparison.Ordinal).Replace("{}", junk, StringComparison.Ordinal);
            var body = method == HttpMethod.Get || method == HttpMethod.Delete ? null : BodyFor(path);
            using var response = await Backend.SendAsync(method, target, Tenant, body);
            var status = (int)response.StatusCode;
            var problem = await CheckAsync(response, null);
            if (problem is null && status < 400 && !(path.Contains("versions", StringComparison.Ordinal) && junk is "0" or "-1" or "1e3"))
            {
                problem = $"{status} for a junk value";
            }

            if (problem is not null)
            {
                failures.Add($"{template} with {(junk.Length > 40 ? junk[..40] + "…" : junk)}: {problem}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    private object? BodyFor(string path) => path switch
    {
        _ when path.EndsWith("/run", StringComparison.Ordinal) => new JsonObject { ["issueKey"] = "OPS-1" },
        _ when path.EndsWith("/dry-run", StringComparison.Ordinal) => new JsonObject { ["event"] = Samples.Event("OPS-1", "Broken") },
        "/api/connections/{}" => Samples.Connection(ThirdParty.Address, "s3cret"),
        "/api/rules/{}" => Samples.Rule(Connection),
        _ => null,
    };
}
