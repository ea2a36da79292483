using System.Text.Json.Nodes;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>The query battery of <see cref="EveryRouteEdgeInputFixture"/>: every query parameter the OpenAPI document names, repeated, empty or out of range.</summary>
public sealed class EveryRouteEdgeInputQueryTests : EveryRouteEdgeInputFixture
{
    /// <summary>A valid value for each query parameter the document names (a parameter added later needs one here: the test says so).</summary>
    private string ValidQueryValue(string name) => name switch
    {
        "limit" => "5", "count" => "3", "cursor" => "", "ruleId" => RuleId, "status" => "succeeded",
        "from" when true => "2026-01-01T00:00:00Z", "to" => "2026-01-02T00:00:00Z", "cron" => "0 8 * * 1-5", "timeZone" => "UTC",
        "eventType" => "avi:jira:updated:issue", "field" => "status", "issueId" => "10001",
        _ => throw new AssertionException($"no valid value known for the query parameter '{name}' (add one)"),
    };

    private static readonly string[] QueryJunk = ["", "-1", "0", "99999999999999999999", "%00", "%FF", "%ED%A0%80", "%E2%80%AE1", "1e3", "5.0", "x", "%20", new string('q', 3000)];

    [Test]
    public async Task Every_query_parameter_the_document_names_repeated_empty_or_out_of_range_is_a_4xx_naming_it()
    {
        var failures = new List<string>();
        var tried = 0;
        foreach (var (template, item) in Document["paths"]!.AsObject())
        {
            var parameters = item!["get"]?["parameters"]?.AsArray().Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>()).ToList() ?? [];
            // The sample event's from/to belong to a field change: sent with eventType and field, as the route reads them.
            var path = Fill(template);
            foreach (var parameter in parameters)
            {
                var others = string.Join("&", parameters.Where(p => p != parameter && p is "cron" or "eventType" or "field" && !(parameter == "eventType" && p == "field"))
                    .Select(p => p + "=" + Uri.EscapeDataString(ValidQueryValue(p))));
                var valid = Uri.EscapeDataString(ValidQueryValue(parameter));
                var cases = QueryJunk.Select(j => (Query: parameter + "=" + j, Refuse: false))
                    .Append((Query: $"{parameter}={valid}&{parameter}={valid}", Refuse: true))
                    .Append((Query: $"{parameter}=x&{parameter}=", Refuse: true));
                foreach (var (query, refuse) in cases)
                {
                    tried++;
                    var target = path + "?" + (others.Length > 0 ? others + "&" : string.Empty) + query;
                    using var response = await Backend.Client.SendAsync(Request(HttpMethod.Get, target));
                    var status = (int)response.StatusCode;
                    var text = await response.Content.ReadAsStringAsync();
                    var problem = await CheckAsync(response);
                    if (problem is null && status == 400)
                    {
                        var keys = JsonNode.Parse(text)!["errors"]?.AsObject().Select(e => e.Key).ToList() ?? [];
                        if (!keys.Contains(parameter) && !keys.Contains("trigger.schedule." + parameter))
                        {
                            problem = $"400 naming {string.Join(", ", keys)}, not {parameter}: {Cut(text)}";
                        }
                    }

                    if (problem is null && refuse && status < 400)
                    {
                        problem = $"{status} for a repeated parameter";
                    }

                    if (problem is null && status >= 400 && Document["paths"]![template]!["get"]!["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] is null)
                    {
                        problem = $"{status}, which docs/openapi.json does not state";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"GET {template} ?{(query.Length > 50 ? query[..50] + "…" : query)}: {problem}");
                    }
                }
            }
        }

        Assert.That(tried, Is.GreaterThan(50));
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
