using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>
/// The Forge system token goes only to the site's base URL (<c>{apiBaseUrl}</c>, e.g.
/// <c>https://api.atlassian.com/ex/jira/{cloudId}</c>): the Jira client refuses any URL outside it before the guarded
/// handler sends it. Before, the handler sent the token wherever the client's URL pointed. Two real loopback servers: the
/// configured site and a second one that must never see a request.
/// </summary>
public sealed class JiraSiteScopeTests
{
    private const string Token = "CANARY-jira-system-token-3d8e";

    private static IEnumerable<TestCaseData> OffSite()
    {
        yield return Case("another host and port", (_, second) => $"http://{second}/ex/jira/cloud-a/rest/api/3/issue/PRJ-1");
        yield return Case("another cloud on the same host (../)", (first, _) => $"http://{first}/ex/jira/cloud-a/../cloud-b/rest/api/3/issue/PRJ-1");
        yield return Case("another cloud through %2e%2e", (first, _) => $"http://{first}/ex/jira/cloud-a/%2e%2e/cloud-b/rest/api/3/issue/PRJ-1");
        yield return Case("..%2F a server may decode", (first, _) => $"http://{first}/ex/jira/cloud-a/rest/api/3/issue/..%2F..%2F..%2F..%2F..%2Fcloud-b");
        yield return Case("a sibling path that starts like the site's", (first, _) => $"http://{first}/ex/jira/cloud-ab/rest/api/3/issue/PRJ-1");
        yield return Case("the site host in user info (@)", (first, second) => $"http://{first}@{second}/ex/jira/cloud-a/rest/api/3/issue/PRJ-1");
        yield return Case("another scheme", (first, _) => $"https://{first}/ex/jira/cloud-a/rest/api/3/issue/PRJ-1");

        static TestCaseData Case(string name, Func<string, string, string> url) => new TestCaseData(url).SetName("Refused: " + name);
    }

    [TestCaseSource(nameof(OffSite))]
    public async Task AJiraRequestOutsideTheSiteIsRefusedBeforeTheTokenLeaves(Func<string, string, string> urlOf)
    {
        await using var first = LoopbackServer.Ok("{}");
        await using var second = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        using var http = Site(egress).Http(first.Url("/ex/jira/cloud-a"));
        var tally = new JiraCallTally(TimeSpan.FromSeconds(20), 1024 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(urlOf(first.Url().Authority, second.Url().Authority), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        request.Options.Set(JiraCallTally.OptionsKey, tally);

        var thrown = await Assert.CatchAsync<HttpRequestException>(() => http.SendAsync(request));

        Assert.That(thrown!.Message, Does.Not.Contain(Token).And.Not.Contain("cloud-b"));
        Assert.That(tally.Failure, Is.EqualTo(EgressFailure.OutsideCredentialScope));
        Assert.That(EgressCategories.Of(tally.Failure), Is.EqualTo(ErrorCategories.CredentialScope));
        Assert.That(second.Requests, Is.Empty, "the token never reaches the second server");
        Assert.That(second.Connections, Is.Zero);
        Assert.That(first.Requests, Is.Empty, "nor the site's host outside the site's path");
        Assert.That(first.Connections, Is.Zero);
    }

    /// <summary>Through the real Refit client: an issue reference that walks out of the site (were it ever let through) sends nothing.</summary>
    [Test]
    public async Task AnIssueReferenceThatWalksOutOfTheSiteSendsNothingThroughTheRefitClient()
    {
        await using var first = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var api = Site(egress).Client(first.Url("/ex/jira/cloud-a"));
        var tally = new JiraCallTally(TimeSpan.FromSeconds(20), 1024 * 1024);

        try
        {
            // Refit may hand the refusal back as the response's error or throw it: either way nothing was sent.
            using var response = await api.GetIssueAsync("../../../../../cloud-b/rest/api/3/issue/PRJ-1", Token, "trace", tally, CancellationToken.None);
            Assert.That(response.IsReceived, Is.False);
        }
        catch (HttpRequestException)
        {
        }

        Assert.That(tally.Failure, Is.EqualTo(EgressFailure.OutsideCredentialScope));
        Assert.That(first.Requests, Is.Empty);
    }

    [Test]
    public async Task ACallOnTheSiteCarriesTheToken()
    {
        await using var first = LoopbackServer.Ok("{}");
        await using var second = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var api = Site(egress).Client(first.Url("/ex/jira/cloud-a"));
        var tally = new JiraCallTally(TimeSpan.FromSeconds(20), 1024 * 1024);

        using var response = await api.GetIssueAsync("PRJ-1", Token, "trace", tally, CancellationToken.None);

        Assert.That(tally.Failure, Is.EqualTo(EgressFailure.None));
        var request = first.Requests.Single();
        Assert.That(request.Target, Is.EqualTo("/ex/jira/cloud-a/rest/api/3/issue/PRJ-1"));
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + Token));
        Assert.That(second.Requests, Is.Empty);
    }

    private static JiraSite Site(EgressTestKit egress)
        => new(new JiraEgressHandler(egress.Client), Microsoft.Extensions.Options.Options.Create(new JiraActionOptions()));
}
