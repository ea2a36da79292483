using System.Net;
using BluBees.Api.Tests.Harness;

namespace BluBees.Api.Tests.Ingress;

/// <summary>Only a valid Forge Invocation Token gets in; everything else is a 401 ProblemDetails.</summary>
public sealed class TokenTests : BackendFixture
{
    private static readonly string[] ProtectedRoutes = ["/forge/events", "/forge/lifecycle", "/api/rules", "/api/connections", "/api/runs"];

    [TestCaseSource(nameof(ProtectedRoutes))]
    public async Task No_token_is_401_with_problem_details(string path)
    {
        using var response = await Backend.SendWithTokenAsync(path.StartsWith("/forge", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get, path, token: null, body: "{}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var problem = await ProblemAsync(response);
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(401));
        Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain("Forge Invocation Token"));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"), "a 401 says how to authenticate (RFC 9110 §15.5.2)");
    }

    [Test]
    public async Task A_valid_token_gets_in()
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(Samples.NewTenant()));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("bearer")]
    [TestCase("BEARER")]
    [TestCase("bEaReR")]
    public async Task The_scheme_is_matched_without_regard_to_case(string scheme)
    {
        // RFC 9110 §11.1: the authentication scheme is a case-insensitive token.
        var tenant = Samples.NewTenant();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/rules");
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {Issuer.Mint(tenant)}");
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.IssueUserToken("557058:admin"));
        using var response = await Backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase("Basic dXNlcjpwYXNz")]
    [TestCase("Bearer")]
    [TestCase("Bearertoken")]
    public async Task Another_scheme_or_no_token_is_401_as_missing(string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/rules");
        request.Headers.TryAddWithoutValidation("Authorization", value);
        using var response = await Backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await ProblemAsync(response))["detail"]!.GetValue<string>(), Does.Contain("is required"));
    }

    [Test]
    public async Task A_bad_signature_is_401()
    {
        var token = Issuer.Mint(Samples.NewTenant());
        var tampered = token[..^6] + (token[^6] == 'A' ? "BBBBBB" : "AAAAAA");
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", tampered);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer error=\"invalid_token\""), "RFC 6750 §3");
    }

    [Test]
    public async Task A_token_signed_by_another_key_with_the_same_kid_is_401()
    {
        using var otherKey = System.Security.Cryptography.RSA.Create(2048);
        var header = new System.Text.Json.Nodes.JsonObject { ["alg"] = "RS256", ["kid"] = Issuer.KeyId };
        var token = BluBees.Engine.DevTokens.DevTokenIssuer.Sign(otherKey, header, BluBees.Engine.DevTokens.DevTokenClaims.Build(TestIssuer.For(Samples.NewTenant()), DateTimeOffset.UtcNow));
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_wrong_audience_is_401()
    {
        var token = Issuer.Mint(TestIssuer.For(Samples.NewTenant()), editClaims: c => c["aud"] = "ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000bad");
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task An_expired_token_is_401_and_skew_is_at_most_30_seconds()
    {
        var request = TestIssuer.For(Samples.NewTenant()) with { Lifetime = TimeSpan.FromSeconds(25) };
        var expired = Issuer.Mint(request, now: DateTimeOffset.UtcNow.AddSeconds(-25 - 31));
        var withinSkew = Issuer.Mint(request, now: DateTimeOffset.UtcNow.AddSeconds(-25 - 20));
        using var refused = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", expired);
        using var accepted = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", withinSkew);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task The_health_check_needs_no_token_and_says_only_ok()
    {
        using var response = await Backend.Client.GetAsync("/health");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("""{"status":"ok"}"""));
    }

    [Test]
    public async Task The_tenant_comes_from_the_token_not_from_the_body_query_or_headers()
    {
        var tenantA = Samples.NewTenant();
        var tenantB = Samples.NewTenant();
        var connectionA = await CreateConnectionAsync(tenantA);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/connections/{connectionA}?tenant={Uri.EscapeDataString(tenantA)}&installationId={Uri.EscapeDataString(tenantA)}");
        request.Headers.Authorization = new("Bearer", Issuer.Mint(tenantB));
        request.Headers.Add(FakeJira.UserTokenHeader, Backend.Jira.IssueUserToken("557058:admin"));
        request.Headers.Add("X-Tenant", tenantA);
        request.Headers.Add("X-Installation-Id", tenantA);
        using var response = await Backend.Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
