using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Infrastructure;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// Bad query strings and path values on every <c>/api</c> route that reads them (paging limits and cursors, dates,
/// counts, cron and time zones, issue keys, ids and versions): a 4xx ProblemDetails naming the parameter (400) or a 404
/// ProblemDetails, with a status the OpenAPI document states for the route — never a 500.
/// </summary>
public sealed class QueryBatteryTests : BackendFixture
{
    private string _tenant = null!;
    private string _ruleId = null!;
    private JsonNode _document = null!;

    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" };

    [OneTimeSetUp]
    public async Task SetUpTenantAsync()
    {
        _tenant = Samples.NewTenant();
        _ruleId = (await CreateRuleAsync(_tenant, Samples.Rule(await CreateConnectionAsync(_tenant))))["id"]!.GetValue<string>();
        _document = JsonNode.Parse(await Backend.Client.GetStringAsync(OpenApiSetup.DocumentPath))!;
    }

    private static readonly string[] Junk = ["-1", "0", "abc", "1e3", "99999999999999999999", " 5", "+5", "0x10", "5.0", "%00", "\u202e5", new string('9', 2000)];

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var value in Junk.Concat(["201", "5&limit=6"]))
        {
            yield return Case("/api/runs", "/api/runs?limit=" + Escape(value), "limit");
            yield return Case("/api/support/audit", "/api/support/audit?limit=" + Escape(value), "limit");
        }

        foreach (var value in Junk.Concat(["21", "5&count=6"]))
        {
            yield return Case("/api/schedules/next", "/api/schedules/next?cron=0+8+*+*+1-5&count=" + Escape(value), "count");
        }

        foreach (var value in new[] { "x", "../../etc", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new string('c', 5000), "1795433617706-dvvvhk3tay'", "a,b" })
        {
            yield return Case("/api/runs", "/api/runs?cursor=" + Escape(value), "cursor");
            yield return Case("/api/support/audit", "/api/support/audit?cursor=" + Escape(value), "cursor");
        }

        foreach (var value in new[] { "yesterday", "2026-13-01", "2026-02-30T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1", "Dec 5", new string('2', 3000), "2026-01-01T00:00:00Z,2026-01-02T00:00:00Z" })
        {
            yield return Case("/api/runs", "/api/runs?from=" + Escape(value), "from", allowOk: true);
            yield return Case("/api/runs", "/api/runs?to=" + Escape(value), "to", allowOk: true);
        }

        yield return Case("/api/runs", "/api/runs?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from");
        foreach (var value in new[] { "SUCCEEDED", "exploded", "succeeded,failed", "" + new string('s', 3000) })
        {
            yield return Case("/api/runs", "/api/runs?status=" + Escape(value), "status");
        }

        foreach (var value in new[] { "../../x", "rule_x'", new string('r', 3000), "%00" })
        {
            yield return Case("/api/runs", "/api/runs?ruleId=" + Escape(value), "ruleId");
        }

        foreach (var value in new[] { "", "* * * * *", "0 0 30 2 *", "garbage", "0 8 * * 1-5 extra", "0 0 0 0 0", new string('c', 3000), "0 8 * * MON#9" })
        {
            yield return Case("/api/schedules/next", "/api/schedules/next?cron=" + Escape(value), "trigger.schedule.cron");
        }

        foreach (var value in new[] { "Mars/Olympus", "localtime", "posix/Europe/Berlin", "../../../etc/passwd", "+25:00", new string('z', 3000) })
        {
            yield return Case("/api/schedules/next", "/api/schedules/next?cron=0+8+*+*+1-5&timeZone=" + Escape(value), "trigger.schedule.timeZone");
        }

        foreach (var value in new[] { "avi:jira:exploded:issue", "blubees:schedule", new string('e', 3000) })
        {
            yield return Case("/api/issues/{key}/sample-event", "/api/issues/OPS-1/sample-event?eventType=" + Escape(value), "eventType");
        }

        // A parameter given twice is refused naming it, even when both values are empty (each alone means "none"):
        // "?cursor=&cursor=" once answered the first page.
        foreach (var (template, path, names) in new[]
        {
            ("/api/runs", "/api/runs", new[] { "cursor", "limit", "status", "ruleId", "from", "to" }),
            ("/api/support/audit", "/api/support/audit", ["cursor", "limit"]),
            ("/api/rules/{id}/versions", "/api/rules/{rule}/versions", ["cursor", "limit"]),
            ("/api/schedules/next", "/api/schedules/next?cron=0+8+*+*+1-5", ["count", "timeZone"]),
        })
        {
            foreach (var name in names)
            {
                var join = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
                yield return Case(template, $"{path}{join}{name}=&{name}=", name);
            }
        }

        // A parameter the route does not read (a misspelt filter) is refused, not ignored into an unfiltered answer.
        foreach (var (name, shown) in new[] { ("rule", "rule"), ("statuses", "statuses"), ("page", "page"), ("a.b", "(property)"), (new string('k', 100), "(property)") })
        {
            yield return Case("/api/runs", "/api/runs?limit=5&" + Escape(name) + "=x", shown);
            yield return Case("/api/support/audit", "/api/support/audit?" + Escape(name) + "=x", shown);
            yield return Case("/api/schedules/next", "/api/schedules/next?cron=0+8+*+*+1-5&" + Escape(name) + "=3", shown);
            yield return Case("/api/issues/{key}/sample-event", "/api/issues/OPS-1/sample-event?eventType=avi%3Ajira%3Aupdated%3Aissue&" + Escape(name) + "=x", shown);
        }

        foreach (var name in new[] { "field", "from", "to" })
        {
            yield return Case("/api/issues/{key}/sample-event", $"/api/issues/OPS-1/sample-event?{name}=" + new string('f', 256), name);
        }

        foreach (var key in new[] { "ops-1", "OPS", "OPS-", "-1", "OPS-1'", new string('K', 150) + "-1", "ÖPS-1" })
        {
            yield return Case("/api/issues/{key}/sample-event", "/api/issues/" + Escape(key) + "/sample-event", "key", allowNotFound: true);
            yield return Case("/api/issues/{key}/runs", "/api/issues/" + Escape(key) + "/runs", "key", allowNotFound: true);
            yield return Case("/api/issues/{key}/manual-rules", "/api/issues/" + Escape(key) + "/manual-rules", "key", allowNotFound: true);
        }

        foreach (var version in new[] { "0", "-1" })
        {
            yield return Case("/api/rules/{id}/versions/{version}", "/api/rules/{rule}/versions/" + version, "version", allowNotFound: true);
        }

        // Not a whole number at all: the route exists, so not "no such route" (404) but a 400 naming the version.
        foreach (var version in new[] { "2147483648", "abc", "1.5", "99999999999999999999", "%20" })
        {
            yield return Case("/api/rules/{id}/versions/{version}", "/api/rules/{rule}/versions/" + version, "version");
        }

        foreach (var id in new[] { "x", "rule_'", new string('r', 3000), "..%2F..%2Fconnections", "%20" })
        {
            yield return Case("/api/runs/{id}", "/api/runs/" + id, "id", allowNotFound: true);
            yield return Case("/api/rules/{id}", "/api/rules/" + id, "id", allowNotFound: true);
            yield return Case("/api/rules/{id}/trace", "/api/rules/" + id + "/trace", "id", allowNotFound: true);
            yield return Case("/api/rules/{id}/versions", "/api/rules/" + id + "/versions", "id", allowNotFound: true);
            yield return Case("/api/connections/{id}", "/api/connections/" + id, "id", allowNotFound: true);
            yield return Case("/api/webhooks/{id}", "/api/webhooks/" + id, "id", allowNotFound: true);
        }
    }

    [Test]
    public async Task The_run_log_pages_with_its_own_cursors_and_refuses_one_it_did_not_return()
    {
        var tenant = Samples.NewTenant();
        await CreateRuleAsync(tenant, Samples.Rule(await CreateConnectionAsync(tenant)));
        for (var i = 0; i < 3; i++)
        {
            using (await Backend.SendAsync(HttpMethod.Post, "/forge/events", tenant, Samples.Event($"OPS-{700 + i}", "paged"))) { }
        }

        await Waits.UntilAsync(() => Backend.JsonAsync(HttpMethod.Get, "/api/runs", tenant), r => r["items"]!.AsArray().Count == 3);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Backend.JsonAsync(HttpMethod.Get, "/api/runs?limit=1" + (cursor is null ? string.Empty : "&cursor=" + cursor), tenant);
            seen.AddRange(page["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null && seen.Count < 10);
        Assert.That(seen, Has.Count.EqualTo(3).And.Unique, "the API's own cursors are accepted and page through every run");

        // A well-formed id that is not a run's (no time prefix) would page from an arbitrary place: refused.
        using var refused = await Backend.SendAsync(HttpMethod.Get, "/api/runs?cursor=zzzz", tenant);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await ProblemAsync(refused))["errors"]!["cursor"], Is.Not.Null);
    }

    [TestCase("abc")]
    [TestCase("0")]
    [TestCase("1.5")]
    public async Task A_restore_of_a_version_that_is_not_a_whole_number_from_1_is_a_400_naming_it_and_saves_nothing(string version)
    {
        var before = await Backend.JsonAsync(HttpMethod.Get, "/api/rules/" + _ruleId, _tenant);
        using var response = await Backend.SendAsync(HttpMethod.Post, $"/api/rules/{_ruleId}/versions/{version}/restore", _tenant);
        var text = await response.Content.ReadAsStringAsync();
        var after = await Backend.JsonAsync(HttpMethod.Get, "/api/rules/" + _ruleId, _tenant);

        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
            Assert.That((await ProblemAsync(response))["errors"]?.AsObject().Select(e => e.Key), Does.Contain("version"), text);
            Assert.That(after["version"]?.GetValue<int>(), Is.EqualTo(before["version"]?.GetValue<int>()), "no version was saved");
        });
    }

    private static TestCaseData Case(string template, string url, string field, bool allowOk = false, bool allowNotFound = false)
        => new TestCaseData(template, url, field, allowOk, allowNotFound).SetName($"{template} {Cut(url)}");

    private static string Cut(string url) => url.Length > 90 ? url[..90] + "…" : url;

    private static string Escape(string value) => value.Contains('&', StringComparison.Ordinal) || value.StartsWith('%') ? value : Uri.EscapeDataString(value);

    [TestCaseSource(nameof(Cases))]
    public async Task A_bad_query_or_path_value_is_a_stated_4xx_naming_it(string template, string url, string field, bool allowOk, bool allowNotFound)
    {
        using var response = await Backend.SendAsync(HttpMethod.Get, url.Replace("{rule}", _ruleId, StringComparison.Ordinal), _tenant);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.That(status, Is.LessThan(500), text);
        if (allowOk && status == 200)
        {
            return;
        }

        Assert.That(status, allowNotFound ? Is.AnyOf(400, 404) : Is.EqualTo(400), text);
        var problem = await ProblemAsync(response);
        Assert.That(problem["status"]?.GetValue<int>(), Is.EqualTo(status), text);
        if (status == 400)
        {
            Assert.That(problem["errors"]?.AsObject().Select(e => e.Key), Does.Contain(field), text);
        }

        Assert.That(_document["paths"]?[template]?["get"]?["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)], Is.Not.Null,
            $"GET {template} answered {status}, which docs/openapi.json does not state");
    }
}
