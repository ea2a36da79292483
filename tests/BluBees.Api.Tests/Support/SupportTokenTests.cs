using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Tests.Support;

/// <summary>Only a valid support token opens /support (401 otherwise), and it opens nothing else.</summary>
public sealed class SupportTokenTests : SupportFixture
{
    private string _tenant = null!;

    [OneTimeSetUp]
    public async Task GrantForFixtureAsync() => await GrantAsync(_tenant = Samples.NewTenant(), hours: 24);

    private static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    private async Task AssertUnauthorizedAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RunsPath(_tenant));
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }

        using var response = await Backend.Client.SendAsync(request);
        await ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Control_a_valid_support_token_gets_in()
    {
        using var response = await SupportGetAsync(RunsPath(_tenant));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the cases below differ from this token only in what they test");
    }

    [TestCase("bearer")]
    [TestCase("BEARER")]
    public async Task The_scheme_is_matched_without_regard_to_case(string scheme)
    {
        // RFC 9110 §11.1: the authentication scheme is a case-insensitive token.
        using var request = new HttpRequestMessage(HttpMethod.Get, RunsPath(_tenant));
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {Idp.Mint()}");
        using var response = await Backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public Task No_token_is_401() => AssertUnauthorizedAsync(null);

    [Test]
    public Task A_wrong_audience_is_401() => AssertUnauthorizedAsync(Idp.Mint(c => c["aud"] = "api://something-else"));

    [Test]
    public Task An_audience_array_naming_another_api_too_is_401()
        => AssertUnauthorizedAsync(Idp.Mint(c => c["aud"] = new JsonArray(SupportIssuer.Audience, "api://other")));

    [Test]
    public Task A_wrong_issuer_is_401() => AssertUnauthorizedAsync(Idp.Mint(c => c["iss"] = "https://evil.test/"));

    [Test]
    public Task The_forge_issuer_is_401() => AssertUnauthorizedAsync(Idp.Mint(c => c["iss"] = "forge/invocation-token"));

    [Test]
    public Task An_expired_token_is_401() => AssertUnauthorizedAsync(Idp.Mint(now: DateTimeOffset.UtcNow.AddMinutes(-10).AddSeconds(-31)));

    [Test]
    public async Task Expiry_within_the_clock_skew_is_accepted()
    {
        using var response = await SupportGetAsync(RunsPath(_tenant), Idp.Mint(now: DateTimeOffset.UtcNow.AddMinutes(-10).AddSeconds(-20)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public Task A_token_without_exp_is_401() => AssertUnauthorizedAsync(Idp.Mint(c => c.Remove("exp")));

    [Test]
    public Task A_token_not_yet_valid_is_401() => AssertUnauthorizedAsync(Idp.Mint(c => c["nbf"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()));

    [Test]
    public Task A_token_without_a_subject_is_401() => AssertUnauthorizedAsync(Idp.Mint(c => c.Remove("sub")));

    [Test]
    public Task Alg_none_is_401()
        => AssertUnauthorizedAsync(Encode(new JsonObject { ["alg"] = "none", ["kid"] = Idp.KeyId }) + "." + Encode(SupportIssuer.Claims()) + ".");

    [Test]
    public Task Alg_RS512_is_401() => AssertUnauthorizedAsync(Idp.Mint(editHeader: h => h["alg"] = "RS512"));

    [Test]
    public Task HS256_keyed_with_the_public_key_is_401()
    {
        var input = Encode(new JsonObject { ["alg"] = "HS256", ["kid"] = Idp.KeyId }) + "." + Encode(SupportIssuer.Claims());
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Idp.Jwks()), Encoding.ASCII.GetBytes(input));
        return AssertUnauthorizedAsync(input + "." + Base64Url.EncodeToString(mac));
    }

    [Test]
    public Task A_jku_header_is_401() => AssertUnauthorizedAsync(Idp.Mint(editHeader: h => h["jku"] = "https://evil.test/keys"));

    [Test]
    public Task A_tampered_payload_is_401()
    {
        var parts = Idp.Mint().Split('.');
        var escalated = SupportIssuer.Claims("staff-99");
        return AssertUnauthorizedAsync(parts[0] + "." + Encode(escalated) + "." + parts[2]);
    }

    [Test]
    public Task Another_key_with_the_same_kid_is_401()
    {
        using var other = RSA.Create(2048);
        return AssertUnauthorizedAsync(DevTokenIssuer.Sign(other, new JsonObject { ["alg"] = "RS256", ["kid"] = Idp.KeyId }, SupportIssuer.Claims()));
    }

    [Test]
    public Task A_forge_token_on_support_routes_is_401() => AssertUnauthorizedAsync(Forge.Mint(_tenant));

    [TestCase("GET", "/api/runs")]
    [TestCase("GET", "/api/connections")]
    [TestCase("GET", "/api/support/audit")]
    [TestCase("GET", "/api/support/grants")]
    [TestCase("POST", "/api/support/grants")]
    [TestCase("POST", "/forge/events")]
    public async Task A_support_token_is_401_everywhere_outside_support(string method, string path)
    {
        using var response = await Backend.SendWithTokenAsync(new HttpMethod(method), path, Idp.Mint(), method == "POST" ? """{"hours":168}""" : null);
        await ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Refused_tokens_write_no_audit_entry_and_no_token_reaches_the_logs()
    {
        var tenant = Samples.NewTenant();
        await GrantAsync(tenant);
        var token = Idp.Mint(c => c["aud"] = "api://something-else");
        using var refused = await SupportGetAsync(RunsPath(tenant), token);
        var valid = Idp.Mint();
        using var allowed = await SupportGetAsync(RunsPath(tenant), valid);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await AuditAsync(tenant)).Select(e => e!["outcome"]!.GetValue<string>()), Is.EqualTo(new[] { "allowed" }));
        Assert.That(Backend.Logs.AllText, Does.Contain("Support token refused: Audience"), "the log capture sees support lines");
        Assert.That(Backend.Logs.AllText, Does.Not.Contain(token.Split('.')[2]).And.Not.Contain(valid.Split('.')[2]));
    }
}
