using System.Text;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// The unknown-query battery of <see cref="EveryRouteEdgeInputFixture"/>: every route, whatever its method (the Forge
/// routes, the ones that read no query, <c>/health</c> and <c>/ready</c> included), given query parameters it does not
/// take, with bad values (the canary, NUL, a lone surrogate, invalid UTF-8, a dot-dot path, 3,000 characters) and bad
/// names. Each answer is below 500 and, when a 4xx, a ProblemDetails that does not quote the value. A class of its own:
/// an accepted DELETE or uninstall changes the fixture's data.
/// </summary>
public sealed class EveryRouteEdgeInputUnknownQueryTests : EveryRouteEdgeInputFixture
{
    private static readonly string[] Queries =
    [
        "zz=" + Canary, "limit=" + Canary, "%00=" + Canary, "x%00y=1", "__proto__=" + Canary, "ruleId=..%2F..%2F" + Canary,
        "cursor=%ED%A0%80", "q=%FF%FE" + Canary, "status=%C0%AF", "a[b]=" + Canary, "=" + Canary, "&&&=&", new string('k', 200) + "=1",
        "from=" + new string('9', 3000), "tenant=" + Canary + "&cloudId=" + Canary,
    ];

    [Test]
    public async Task Unknown_query_parameters_with_bad_values_on_every_route_are_never_a_5xx_and_never_quoted()
    {
        var failures = new List<string>();
        var tried = 0;
        var routes = Routes().Append(("GET", "/health")).Append(("GET", "/ready")).ToList();
        foreach (var (method, template) in routes)
        {
            foreach (var query in Queries)
            {
                tried++;
                var path = Fill(template) + "?" + query;
                using var request = Request(new HttpMethod(method), path, template == "/forge/uninstall" ? Samples.NewTenant() : Tenant);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                if (await CheckAsync(response) is { } problem)
                {
                    failures.Add($"{method} {template} ?{(query.Length > 40 ? query[..40] + "…" : query)}: {problem}");
                }
            }
        }

        Assert.That(tried, Is.GreaterThan(400), "every route was tried");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
