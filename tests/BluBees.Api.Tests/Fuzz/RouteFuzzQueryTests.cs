using static BluBees.Api.Tests.Fuzz.RouteFuzzHelpers;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>The query battery of the route fuzzer: each query parameter repeated, in another case, malformed or very long.</summary>
public sealed class RouteFuzzQueryTests : RouteFuzzFixture
{
    private static readonly (string Path, string Parameter, string Valid)[] Queries =
    [
        ("/api/runs", "limit", "5"), ("/api/runs", "cursor", ""), ("/api/runs", "status", "succeeded"), ("/api/runs", "ruleId", "{rule}"),
        ("/api/runs", "from", "2026-01-01T00:00:00Z"), ("/api/runs", "to", "2026-01-02T00:00:00Z"),
        ("/api/support/audit", "limit", "5"), ("/api/support/audit", "cursor", ""),
        ("/api/schedules/next?cron=0+8+*+*+1-5", "count", "3"), ("/api/schedules/next?count=3", "cron", "0 8 * * 1-5"), ("/api/schedules/next?cron=0+8+*+*+1-5", "timeZone", "UTC"),
        ("/api/issues/OPS-1/sample-event", "eventType", "avi:jira:updated:issue"), ("/api/issues/OPS-1/sample-event?eventType=avi:jira:updated:issue", "field", "status"),
        ("/api/issues/OPS-1/sample-event?eventType=avi:jira:updated:issue&field=status", "from", "To Do"), ("/api/issues/OPS-1/sample-event?eventType=avi:jira:updated:issue&field=status", "to", "Done"),
    ];

    private static IEnumerable<TestCaseData> QueryCases() => Queries.Select((q, i) => new TestCaseData(i).SetName($"query: {q.Path.Split('?')[0]} {q.Parameter}"));

    [TestCaseSource(nameof(QueryCases))]
    public async Task A_repeated_or_malformed_query_parameter_is_a_4xx_naming_it(int index)
    {
        var (path, parameter, valid) = Queries[index];
        valid = valid.Replace("{rule}", RuleId, StringComparison.Ordinal);
        var join = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var values = new (string Query, bool MayPass)[]
        {
            ($"{parameter}={Uri.EscapeDataString(valid)}&{parameter}={Uri.EscapeDataString(valid)}", false),
            ($"{parameter}={Uri.EscapeDataString(valid)}&{parameter.ToUpperInvariant()}=x", true),
            ($"{parameter}=%00", false), ($"{parameter}=%ED%A0%80", false), ($"{parameter}=%E2%80%8F{Uri.EscapeDataString(valid)}", false),
            ($"{parameter}={new string('q', 3000)}", false), ($"{parameter}[]=1", true), ($"{parameter}", true), ($"{parameter}=", true),
            ($"{parameter}=%zz", false), ($"{parameter}=%", false), ($"{parameter}=%FF", false),
        };
        var failures = new List<string>();
        foreach (var (query, mayPass) in values)
        {
            using var response = await Backend.SendAsync(HttpMethod.Get, path + join + query, Tenant);
            var status = (int)response.StatusCode;
            // "limit[]" is another parameter, not "limit": named as an unknown one, "(property)", since odd names are never echoed.
            var field = status != 400 ? null : query.StartsWith(parameter + "[]", StringComparison.Ordinal) ? "(property)" : parameter;
            var problem = await CheckAsync(response, field, alsoAccept: parameter is "cron" or "timeZone" ? "trigger.schedule." + parameter : null);
            if (problem is null && status < 400 && !mayPass && !(valid.Length == 0 && query.EndsWith('=')))
            {
                problem = $"{status} for {query[..Math.Min(60, query.Length)]}";
            }

            if (problem is not null)
            {
                failures.Add($"{path} {query[..Math.Min(60, query.Length)]}: {problem}");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
