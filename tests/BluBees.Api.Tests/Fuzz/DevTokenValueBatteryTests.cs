using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using static BluBees.Api.Tests.Fuzz.RouteFuzzHelpers;

namespace BluBees.Api.Tests.Fuzz;

/// <summary>
/// The development token issuer (<c>POST /dev/token</c>, on only with <c>DevIssuer:Enabled</c>, which also makes the
/// backend trust that issuer instead of the test one: hence a backend of its own, apart from
/// <see cref="ForgeRouteValueBatteryTests"/>) attacked at every node of valid bodies with <see cref="ValueMutations"/>:
/// a token (200) or a 4xx ProblemDetails naming the field, never a 500.
/// </summary>
public sealed class DevTokenValueBatteryTests : BackendFixture
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["DevIssuer:Enabled"] = "true" };

    private static readonly (string Name, Func<JsonObject> Body)[] Bodies =
    [
        ("by path", () => new JsonObject { ["tenantId"] = "ari:cloud:ecosystem::installation/1", ["accountId"] = "557058:abc", ["cloudId"] = "cloud-1", ["path"] = "/forge/events" }),
        ("by module", () => new JsonObject { ["tenantId"] = "ari:cloud:ecosystem::installation/1", ["module"] = "issue-panel" }),
    ];

    private static IEnumerable<TestCaseData> Cases() => Bodies.Select((b, i) => new TestCaseData(i).SetName("dev token values: " + b.Name));

    [TestCaseSource(nameof(Cases))]
    public async Task Every_node_given_a_wrong_value_is_a_token_or_a_4xx_naming_it(int index)
    {
        var (name, make) = Bodies[index];
        using (var unmutated = await PostAsync(ValueMutations.Render(make())))
        {
            Assert.That(unmutated.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"the unmutated body {name}: {await unmutated.Content.ReadAsStringAsync()}");
        }

        var failures = new List<string>();
        foreach (var (label, body, field) in ValueMutations.All(make()))
        {
            using var response = await PostAsync(ValueMutations.Render(body));
            if (await CheckAsync(response, field) is { } problem)
            {
                failures.Add($"{label}: {problem}");
            }
        }

        using var health = await Backend.Client.GetAsync("/health");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the app still answers");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(60)));
    }

    private Task<HttpResponseMessage> PostAsync(string body) => Backend.Client.PostAsync("/dev/token", new StringContent(body, Encoding.UTF8, "application/json"));
}
