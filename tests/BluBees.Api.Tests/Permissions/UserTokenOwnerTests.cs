using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Permissions;

/// <summary>
/// The signed <c>principal</c> names the user who invoked the app; <c>x-forge-oauth-user</c> is a user token, opaque to
/// us (https://developer.atlassian.com/platform/forge/remote/essentials/). Jira's "Get my permissions" answers for the
/// token's user, so a request carrying one user's FIT and another user's token must not be answered with the other
/// user's rights. Before, a plain user's FIT beside an administrator's user token changed configuration, and Jira's
/// "yes" was cached under the plain user's account. Now Jira is also asked whose token it is ("Get current user") and the
/// request is refused unless that is the principal.
/// </summary>
public sealed class UserTokenOwnerTests : BackendFixture
{
    private const string Admin = "557058:admin";
    private const string Plain = "557058:plainuser";

    [Test]
    public async Task A_plain_users_token_with_an_administrators_user_token_changes_nothing()
    {
        var tenant = Samples.NewTenant();
        var body = Samples.Connection(ThirdParty.Address, "s3cret");
        using var response = await Backend.SendWithTokenAsync(
            HttpMethod.Post, "/api/connections", Issuer.Mint(tenant, Plain), body, userToken: Backend.Jira.UserTokenFor(Admin));
        await AssertWrongUserAsync(response, "ADMINISTER");

        // The same pair again (a cached "yes" would now let it through), then a read: still refused, nothing was created.
        using var again = await Backend.SendWithTokenAsync(
            HttpMethod.Post, "/api/connections", Issuer.Mint(tenant, Plain), body, userToken: Backend.Jira.UserTokenFor(Admin));
        await AssertWrongUserAsync(again, "ADMINISTER");
        Assert.That((await Backend.JsonAsync(HttpMethod.Get, "/api/connections", tenant))["items"]!.AsArray(), Is.Empty);
    }

    [Test]
    public async Task An_administrators_cached_answer_does_not_open_the_route_to_another_user_carrying_the_administrators_token()
    {
        var tenant = Samples.NewTenant();
        using (var own = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Admin)))
        {
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the administrator with their own token (cached now)");
        }

        using var borrowed = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Plain), userToken: Backend.Jira.UserTokenFor(Admin));
        await AssertWrongUserAsync(borrowed, "ADMINISTER");
    }

    [Test]
    public async Task An_administrators_token_with_another_users_user_token_is_refused_and_me_says_not_admin()
    {
        var tenant = Samples.NewTenant();
        using var rules = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Admin), userToken: Backend.Jira.UserTokenFor(Plain));
        await AssertWrongUserAsync(rules, "ADMINISTER");

        using var me = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", Issuer.Mint(tenant, Plain), userToken: Backend.Jira.UserTokenFor(Admin));
        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var answer = JsonNode.Parse(await me.Content.ReadAsStringAsync())!;
        Assert.Multiple(() =>
        {
            Assert.That(answer["accountId"]!.GetValue<string>(), Is.EqualTo(Plain));
            Assert.That(answer["isAdmin"]!.GetValue<bool>(), Is.False, "the administrator's token does not make the caller one");
        });
    }

    [Test]
    public async Task Issue_routes_refuse_a_user_carrying_the_token_of_a_user_who_may_browse_and_edit()
    {
        var tenant = Samples.NewTenant();
        var lent = Backend.Jira.UserTokenFor("557058:user"); // may browse and edit every issue (FakeJira.DefaultIssueGrant)
        using var runs = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/issues/OPS-1/runs?issueId=11", Issuer.Mint(TestIssuer.For(tenant, Plain, "blubees-issue-panel")), userToken: lent);
        await AssertWrongUserAsync(runs, "BROWSE_PROJECTS");
        using var manual = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/issues/OPS-1/manual-rules", Issuer.Mint(TestIssuer.For(tenant, Plain, "blubees-issue-panel")), userToken: lent);
        await AssertWrongUserAsync(manual, "BROWSE_PROJECTS");
        using var run = await Backend.SendWithTokenAsync(HttpMethod.Post, "/api/rules/rule_nope0000/run", Issuer.Mint(TestIssuer.For(tenant, Plain, "blubees-issue-panel")), """{"issueKey":"OPS-1"}""", userToken: lent);
        await AssertWrongUserAsync(run, "EDIT_ISSUES");
    }

    [Test]
    public async Task When_Jira_cannot_say_whose_token_it_is_nothing_is_let_through()
    {
        var tenant = Samples.NewTenant();
        try
        {
            Backend.Jira.RespondMyself = _ => (401, """{"errorMessages":["Unauthorized"]}""");
            using (var refused = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Admin)))
            {
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), await refused.Content.ReadAsStringAsync());
            }

            Backend.Jira.RespondMyself = _ => (503, """{"errorMessages":["Unavailable"]}""");
            using (var unavailable = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Admin)))
            {
                Assert.That(unavailable.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await unavailable.Content.ReadAsStringAsync());
            }

            Backend.Jira.RespondMyself = _ => (200, "{}"); // a user without an account id is not the principal
            using (var anonymous = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Admin)))
            {
                await AssertWrongUserAsync(anonymous, "ADMINISTER");
            }
        }
        finally
        {
            Backend.Jira.RespondMyself = null;
        }

        using var control = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(tenant, Admin));
        Assert.That(control.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the administrator with their own token, once Jira answers");
    }

    private static async Task AssertWrongUserAsync(HttpResponseMessage response, string permission)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var problem = JsonNode.Parse(text)!;
        Assert.Multiple(() =>
        {
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("is not the token of the user the Forge Invocation Token names"));
            Assert.That(problem["requiredPermission"]!.GetValue<string>(), Is.EqualTo(permission));
        });
    }
}
