using System.Text;
using static BluBees.Api.Tests.Contract.EveryRouteEdgeInputHelpers;

namespace BluBees.Api.Tests.Contract;

/// <summary>The method and path battery of <see cref="EveryRouteEdgeInputFixture"/>: every method a route does not take, unknown routes below each one, and malformed path values.</summary>
public sealed class EveryRouteEdgeInputMethodAndPathTests : EveryRouteEdgeInputFixture
{
    [Test]
    public async Task Every_method_a_route_does_not_take_is_a_405_problem_naming_the_ones_it_does()
    {
        var routes = Routes();
        var failures = new List<string>();
        foreach (var template in routes.Select(r => r.Template).Distinct())
        {
            var taken = routes.Where(r => r.Template == template).Select(r => r.Method).ToHashSet();
            foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS" }.Where(m => !taken.Contains(m)))
            {
                using var request = Request(new HttpMethod(method), Fill(template));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                var problem = await CheckAsync(response);
                // "/api/rules/validate" is also "/api/rules/{id}" with the id "validate": that route's 404 is the answer.
                var alsoAnother = routes.Any(r => r.Method == method && r.Template != template && Matches(r.Template, template));
                if (problem is null && (int)response.StatusCode != 405 && !(alsoAnother && (int)response.StatusCode is 404 or 400))
                {
                    problem = $"{(int)response.StatusCode}, not 405";
                }

                if (problem is null && (int)response.StatusCode == 405 && !taken.All(m => response.Content.Headers.Allow.Contains(m)))
                {
                    problem = $"Allow: {string.Join(", ", response.Content.Headers.Allow)}";
                }

                if (problem is not null)
                {
                    failures.Add($"{method} {template}: {problem}");
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>
    /// The method is the request line's, never a header's: a wrong method sent with <c>X-HTTP-Method-Override</c>,
    /// <c>X-HTTP-Method</c> or <c>X-Method-Override</c> naming a method the route takes (DELETE on a rule, POST on a
    /// write) is still the 405, and what the route would have done is not done (the rule and the hook are still there).
    /// </summary>
    [Test]
    public async Task A_method_override_header_does_not_turn_a_wrong_method_into_one_the_route_takes()
    {
        var routes = Routes();
        var failures = new List<string>();
        var sent = 0;
        foreach (var template in routes.Select(r => r.Template).Distinct())
        {
            var taken = routes.Where(r => r.Template == template).Select(r => r.Method).ToHashSet();
            foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "PATCH" }.Where(m => !taken.Contains(m)))
            {
                if (routes.Any(r => r.Method == method && r.Template != template && Matches(r.Template, Fill(template).Split('?')[0])))
                {
                    continue; // another route takes this method on this path ("/api/rules/validate" is "/api/rules/{id}" too)
                }

                foreach (var wanted in taken)
                {
                    using var request = Request(new HttpMethod(method), Fill(template));
                    foreach (var header in new[] { "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override" })
                    {
                        request.Headers.Add(header, wanted);
                    }

                    if (method is "POST" or "PUT" or "PATCH")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await Backend.Client.SendAsync(request);
                    sent++;
                    if ((int)response.StatusCode != 405 || await CheckAsync(response) is not null)
                    {
                        failures.Add($"{method} {template} overridden to {wanted}: {(int)response.StatusCode}");
                    }
                }
            }
        }

        Assert.That(sent, Is.GreaterThan(30), "the battery reached the routes");
        Assert.That(failures, Is.Empty, string.Join("\n", failures));
        using var ruleRead = Request(HttpMethod.Get, $"/api/rules/{RuleId}");
        using var hookRead = Request(HttpMethod.Get, $"/api/webhooks/{HookId}");
        using var rule = await Backend.Client.SendAsync(ruleRead);
        using var hook = await Backend.Client.SendAsync(hookRead);
        Assert.That((rule.StatusCode, hook.StatusCode), Is.EqualTo((System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK)), "nothing was deleted");
    }

    [Test]
    public async Task An_unknown_route_below_or_beside_every_route_is_a_404_problem()
    {
        var failures = new List<string>();
        foreach (var (method, template) in Routes())
        {
            // A path no route matches is not quoted back (one a route matches is that route's answer: an id-like id is shown).
            var unknown = new[] { Fill(template) + "/nope", Fill(template) + "/nope/again", Fill(template) + "x", Fill(template) + "/" + Canary };
            foreach (var path in unknown.Where(p => !p.EndsWith(Canary, StringComparison.Ordinal) || !Routes().Any(r => Matches(r.Template, p))))
            {
                using var request = Request(new HttpMethod(method), path);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await Backend.Client.SendAsync(request);
                var problem = await CheckAsync(response);
                if (problem is null && (int)response.StatusCode < 400)
                {
                    problem = $"{(int)response.StatusCode} for an unknown path";
                }

                if (problem is not null)
                {
                    failures.Add($"{method} {path}: {problem}");
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }

    /// <summary>Path values sent escaped as written (the client keeps them; an id-like value is echoed by design, docs/api.md Errors): too long, slash, dots (not a whole dot segment, which the client and Kestrel resolve to another path), whitespace, non-ASCII, controls.</summary>
    private static readonly string[] PathValues =
    [
        new string('i', 7000), "a%2Fb", "a%2F..%2Fb", "a..b", "...", "%2E%2E%2E", "%20", "%20rule%20", "%09", "%0A", "%0D%0A", "%E2%80%AE", "%C3%A9", "%F0%9F%90%9D",
        "%EF%BB%BF", "%01", "%7F", "%C0%AF", "%ED%A0%80", "a;b", "a%3Bb", "%3F", "%23", "~", "%5C", "%22%3E%3C",
    ];

    [Test]
    public async Task A_malformed_value_in_every_path_parameter_is_a_4xx_problem()
    {
        var failures = new List<string>();
        foreach (var (method, template) in Routes().Where(r => r.Template.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var parameter in System.Text.RegularExpressions.Regex.Matches(template, "\\{[^}]+\\}").Select(m => m.Value))
            {
                foreach (var value in PathValues)
                {
                    var path = Fill(template.Replace(parameter, "\u0001", StringComparison.Ordinal)).Replace("\u0001", value, StringComparison.Ordinal);
                    using var request = Request(new HttpMethod(method), path);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    using var response = await Backend.Client.SendAsync(request);
                    var problem = await CheckAsync(response);
                    if (problem is null && (int)response.StatusCode < 400)
                    {
                        problem = $"{(int)response.StatusCode} for a junk value";
                    }

                    if (problem is not null)
                    {
                        failures.Add($"{method} {template} {parameter}={(value.Length > 30 ? value[..30] + "…" : value)}: {problem}");
                    }
                }
            }
        }

        Assert.That(failures, Is.Empty, string.Join("\n", failures));
    }
}
