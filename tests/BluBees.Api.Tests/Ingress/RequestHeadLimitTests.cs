using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>
/// A request target or header block over our limits is a 414 or 431 ProblemDetails naming what is too large, with or
/// without a token, and echoing nothing that was sent; before, Kestrel refused it with an empty body.
/// </summary>
public sealed class RequestHeadLimitTests : BackendFixture
{
    private const string Sentinel = "SENTINEL-HEAD-9f3b";

    [TestCase("/api/rules/", "", "path")]
    [TestCase("/api/runs?issueKey=", "", "query")]
    [TestCase("/forge/events/", "?x=1", "path")]
    [TestCase("/nowhere?", "", "query")]
    public async Task A_target_over_8_KiB_is_a_414_naming_the_part(string prefix, string suffix, string field)
    {
        var path = prefix + Sentinel + new string('a', 9 * 1024) + suffix;
        foreach (var withToken in new[] { true, false })
        {
            using var response = withToken
                ? await Backend.SendAsync(HttpMethod.Get, path, Samples.NewTenant())
                : await Backend.SendWithTokenAsync(HttpMethod.Get, path, token: null, withUserToken: false);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestUriTooLong), $"token: {withToken}");
            var problem = await ProblemAsync(response);
            Assert.That(problem["errors"]![field]![0]!.GetValue<string>(), Does.Contain("at most 8,192"));
            Assert.That(problem.ToJsonString(), Does.Not.Contain(Sentinel), "nothing of the target is echoed");
        }
    }

    [Test]
    public async Task A_target_just_under_the_limit_reaches_the_route()
    {
        var tenant = Samples.NewTenant();
        using var response = await Backend.SendAsync(HttpMethod.Get, "/api/runs?issueKey=OPS-1&x=" + new string('a', 8 * 1024 - 40), tenant);
        Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.RequestUriTooLong));
        Assert.That((int)response.StatusCode, Is.LessThan(500), await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<TestCaseData> HeaderCases()
    {
        yield return new TestCaseData(5, 8 * 1024, "together").SetName("Five headers of 8 KiB");
        yield return new TestCaseData(1, 40 * 1024, "together").SetName("One header of 40 KiB");
        yield return new TestCaseData(150, 10, "header fields").SetName("150 small headers");
    }

    [TestCaseSource(nameof(HeaderCases))]
    public async Task Headers_over_the_limits_are_a_431_naming_headers_and_the_connection_stays_usable(int count, int size, string says)
    {
        var head = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            head.Append("X-").Append(Sentinel).Append('-').Append(i).Append(": ").Append(Sentinel).Append('v', size).Append("\r\n");
        }

        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync($"GET /api/rules HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n{head}\r\n");
        var answer = await raw.ReadAsync();

        Assert.That(answer, Is.Not.Null, "the server closed the connection without an answer");
        Assert.That(answer!.Status, Is.EqualTo(431), answer.Body);
        Assert.That(answer.Header("content-type"), Does.StartWith("application/json"));
        var problem = JsonNode.Parse(answer.Body)!;
        Assert.That(problem["errors"]!["headers"]![0]!.GetValue<string>(), Does.Contain(says));
        Assert.That(answer.Body, Does.Not.Contain(Sentinel), "no header name or value is echoed");

        if (!answer.Closes)
        {
            await raw.SendAsync($"GET /health HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n\r\n");
            Assert.That((await raw.ReadAsync())?.Status, Is.EqualTo(200));
        }
    }

    [Test]
    public async Task A_token_and_ordinary_headers_are_well_inside_the_limits()
    {
        var tenant = Samples.NewTenant();
        using var response = await Backend.SendAsync(HttpMethod.Get, "/api/rules", tenant);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Past the server's own limits (64 KiB) Kestrel still refuses before any code of ours runs, as documented.</summary>
    [Test]
    public async Task A_target_past_the_servers_own_limit_is_still_refused()
    {
        await using var raw = await RawHttp.ConnectAsync(Backend.Address);
        await raw.SendAsync($"GET /api/rules/{new string('a', 70 * 1024)} HTTP/1.1\r\nHost: {Backend.Address.Authority}\r\n\r\n");
        var answer = await raw.ReadAsync();
        Assert.That(answer?.Status, Is.EqualTo(414));
    }
}
