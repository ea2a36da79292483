using System.Net;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Security;

/// <summary>
/// The FIT's <c>principal</c> is a string, "the identifier for the user who invoked the app. UI modules only."
/// (https://developer.atlassian.com/platform/forge/remote/essentials/#the-forge-invocation-token--fit-), an Atlassian
/// account id (at most 128 characters). Before, a principal that was not a string was read as "no user": a token naming
/// a user as <c>123</c> or <c>{"accountId": …}</c> passed the backend routes' "no user" check, and an empty one was
/// "no user" on UI routes but "a user" on backend routes. A present principal that is not an account id now makes the
/// token malformed: 401 on every route, nothing queued or changed. Absent or null is still "no user".
/// </summary>
public sealed class PrincipalClaimTests : BackendFixture
{
    private static IEnumerable<TestCaseData> Malformed()
    {
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create(""))).SetArgDisplayNames("empty");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create("   "))).SetArgDisplayNames("blank");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create(557058))).SetArgDisplayNames("a number");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create(true))).SetArgDisplayNames("true");
        yield return new TestCaseData((Func<JsonNode?>)(() => new JsonObject { ["accountId"] = "557058:admin" })).SetArgDisplayNames("an object");
        yield return new TestCaseData((Func<JsonNode?>)(() => new JsonArray("557058:admin"))).SetArgDisplayNames("an array");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create("557058:admin\n"))).SetArgDisplayNames("a control character");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create("557058:admin "))).SetArgDisplayNames("a trailing space");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create("557058:" + new string('a', 122)))).SetArgDisplayNames("129 characters");
        yield return new TestCaseData((Func<JsonNode?>)(() => JsonValue.Create("557058:admin\u202e"))).SetArgDisplayNames("a text-direction character");
    }

    [TestCaseSource(nameof(Malformed))]
    public async Task A_token_whose_principal_is_not_an_account_id_is_refused_on_every_kind_of_route(Func<JsonNode?> principal)
    {
        var tenant = Samples.NewTenant();
        var wrong = new List<string>();
        foreach (var (path, method, module, body) in new (string, HttpMethod, string, object?)[]
        {
            ("/forge/events", HttpMethod.Post, ForgeModuleKeys.Events, Samples.Event("OPS-" + Random.Shared.Next(100, 99999), "principal probe")),
            ("/forge/scheduled", HttpMethod.Post, ForgeModuleKeys.Scheduled, new JsonObject()),
            ("/forge/lifecycle", HttpMethod.Post, ForgeModuleKeys.Lifecycle, new JsonObject { ["eventType"] = "avi:forge:installed:app" }),
            ("/api/me", HttpMethod.Get, ForgeModuleKeys.Ui, null),
            ("/api/connections", HttpMethod.Post, ForgeModuleKeys.Ui, Samples.Connection(ThirdParty.Address, "s3cret")),
            ("/api/issues/OPS-1/manual-rules", HttpMethod.Get, ForgeModuleKeys.IssuePanel, null),
        })
        {
            var token = Issuer.Mint(TestIssuer.For(tenant, null, module), editClaims: c => c["principal"] = principal());
            using var response = await Backend.SendWithTokenAsync(method, path, token, body, userToken: Backend.Jira.UserTokenFor("557058:admin"));
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Unauthorized || !text.Contains("\"detail\"", StringComparison.Ordinal))
            {
                wrong.Add($"{method} {path}: {(int)response.StatusCode} {text}");
            }
        }

        Assert.That(wrong, Is.Empty, string.Join("\n", wrong));
        Assert.That((await Backend.DumpStoreAsync()).Where(row => row.Contains(tenant, StringComparison.Ordinal)), Is.Empty, "nothing of the tenant was kept");
    }

    [Test]
    public async Task A_null_principal_is_no_user()
    {
        var tenant = Samples.NewTenant();
        var backend = Issuer.Mint(TestIssuer.For(tenant, null, ForgeModuleKeys.Lifecycle), editClaims: c => c["principal"] = null);
        using var installed = await Backend.SendWithTokenAsync(HttpMethod.Post, "/forge/lifecycle", backend, new JsonObject { ["eventType"] = "avi:forge:installed:app" });
        var ui = Issuer.Mint(TestIssuer.For(tenant, null), editClaims: c => c["principal"] = null);
        using var me = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", ui);
        Assert.Multiple(() =>
        {
            Assert.That(installed.IsSuccessStatusCode, Is.True, "a backend route takes it as a token without a user");
            Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a UI route needs a user");
        });
    }

    [TestCase("5b10ac8d82e05b22cc7d4ef5")]
    [TestCase("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")]
    [TestCase("qm:a713c8ea-1075-4e30-9d96-891a7d181739:5f8b2c7e-0e0e-4c5d-9a8b-5c0b7c3e2a11")]
    public async Task Account_ids_as_Atlassian_hands_them_out_are_accepted(string accountId)
    {
        var tenant = Samples.NewTenant();
        using var me = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/me", Issuer.Mint(tenant, accountId));
        Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.OK), await me.Content.ReadAsStringAsync());
        Assert.That(JsonNode.Parse(await me.Content.ReadAsStringAsync())!["accountId"]!.GetValue<string>(), Is.EqualTo(accountId));
    }
}
