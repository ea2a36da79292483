using System.Text.Json.Nodes;
using BluBees.Api.Tests.Support;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// The support routes (<c>/support/tenants/{tenantId}/runs[/{runId}]</c>), called by support staff for a tenant that
/// granted access, with each path value and query parameter malformed, very long or repeated: a 4xx ProblemDetails
/// (naming the parameter when it is a 400), never a 500.
/// </summary>
public sealed class SupportRouteFuzzTests : SupportFixture
{
    private static readonly string[] Junk =
    [
        "%ED%A0%80", "%C3%28", "%E2%80%8F", "a%2Fb", "%20", "%25", "'%20OR%201=1", new string('x', 4000), "%F0%9F%98%80", "-1", "0", "99999999999999999999",
        "ari:cloud:ecosystem::installation/" + new string('9', 500), "ari%3Acloud%3Aecosystem%3A%3Ainstallation%2F..%2F..",
    ];

    [Test]
    public async Task Malformed_path_values_and_query_parameters_are_4xx_problems()
    {
        var tenant = Harness.Samples.NewTenant();
        var run = await CreateRunAsync(tenant);
        await GrantAsync(tenant);
        var targets = new List<string>();
        targets.AddRange(Junk.Select(j => $"/support/tenants/{j}/runs"));
        targets.AddRange(Junk.Select(j => $"/support/tenants/{j}/runs/{run}"));
        targets.AddRange(Junk.Select(j => RunsPath(tenant, "/" + j)));
        foreach (var (parameter, valid) in new[] { ("limit", "5"), ("cursor", "x"), ("status", "succeeded"), ("ruleId", "rule_x"), ("from", "2026-01-01T00:00:00Z"), ("to", "2026-01-02T00:00:00Z") })
        {
            targets.Add(RunsPath(tenant, $"?{parameter}={valid}&{parameter}={valid}"));
            targets.Add(RunsPath(tenant, $"?{parameter}=%00"));
            targets.Add(RunsPath(tenant, $"?{parameter}=%ED%A0%80"));
            targets.Add(RunsPath(tenant, $"?{parameter}={new string('q', 3000)}"));
            targets.Add(RunsPath(tenant, $"?{parameter}[]=1"));
        }

        var failures = new List<string>();
        foreach (var target in targets)
        {
            using var response = await SupportGetAsync(target);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var shown = target.Length > 90 ? target[..90] + "…" : target;
            if (status >= 500 || (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/json"))
            {
                failures.Add($"{shown}: {status} {response.Content.Headers.ContentType?.MediaType} {text[..Math.Min(200, text.Length)]}");
            }
            else if (status >= 400 && JsonNode.Parse(text)?["status"]?.GetValue<int>() != status)
            {
                failures.Add($"{shown}: {status} is not a ProblemDetails");
            }
            else if (status < 400 && target.Contains('&', StringComparison.Ordinal))
            {
                failures.Add($"{shown}: {status} for a repeated parameter");
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
