using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BluBees.Api.Tests.Harness;
using BluBees.Engine.DevTokens;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Security;

/// <summary>Every way of forging or bending a Forge Invocation Token gets a 401 — and never a fetch of attacker-named keys.</summary>
public sealed class HostileTokenTests : BackendFixture
{
    private string Tenant { get; } = Samples.NewTenant();

    private JsonObject Claims(Action<JsonObject>? edit = null)
    {
        var claims = DevTokenClaims.Build(TestIssuer.For(Tenant), DateTimeOffset.UtcNow);
        edit?.Invoke(claims);
        return claims;
    }

    private static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    private async Task AssertRefusedAsync(string token)
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", token, withUserToken: false);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var problem = await ProblemAsync(response);
        Assert.That(problem["status"]!.GetValue<int>(), Is.EqualTo(401));
    }

    [Test]
    public async Task Control_a_well_formed_token_is_accepted()
    {
        using var response = await Backend.SendWithTokenAsync(HttpMethod.Get, "/api/rules", Issuer.Mint(Tenant));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the attacks below must differ from a good token only in the attack");
    }

    [Test]
    public Task Alg_none_is_refused()
        => AssertRefusedAsync(Encode(new JsonObject { ["alg"] = "none", ["kid"] = Issuer.KeyId }) + "." + Encode(Claims()) + ".");

    [Test]
    public Task Alg_none_with_a_signature_part_is_refused()
        => AssertRefusedAsync(Encode(new JsonObject { ["alg"] = "none", ["kid"] = Issuer.KeyId }) + "." + Encode(Claims()) + ".c2ln");

    [TestCase("")]
    [TestCase("garbage")]
    [TestCase("AAAA")]
    public Task Empty_or_garbage_signatures_are_refused(string signature)
        => AssertRefusedAsync(Encode(new JsonObject { ["alg"] = "RS256", ["kid"] = Issuer.KeyId }) + "." + Encode(Claims()) + "." + signature);

    [Test]
    public Task HS256_signed_with_the_published_public_key_is_refused()
    {
        // The classic key-confusion attack: HMAC keyed with the RSA public key as the verifier would see it.
        var header = Encode(new JsonObject { ["alg"] = "HS256", ["kid"] = Issuer.KeyId });
        var input = header + "." + Encode(Claims());
        foreach (var key in new[] { Encoding.UTF8.GetBytes(Issuer.Key.ExportSubjectPublicKeyInfoPem()), Issuer.Key.ExportRSAPublicKey(), Encoding.UTF8.GetBytes(Issuer.Jwks()) })
        {
            var mac = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(input));
            Assert.That(async () => await AssertRefusedAsync(input + "." + Base64Url.EncodeToString(mac)), Throws.Nothing);
        }

        return Task.CompletedTask;
    }

    [TestCase("RS512")]
    [TestCase("PS256")]
    public Task Other_rsa_algorithms_are_refused_even_when_signed_by_the_published_key(string alg)
    {
        var header = Encode(new JsonObject { ["alg"] = alg, ["kid"] = Issuer.KeyId });
        var input = header + "." + Encode(Claims());
        var signature = alg == "RS512"
            ? Issuer.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1)
            : Issuer.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        return AssertRefusedAsync(input + "." + Base64Url.EncodeToString(signature));
    }

    [Test]
    public Task ES256_is_refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var input = Encode(new JsonObject { ["alg"] = "ES256", ["kid"] = Issuer.KeyId }) + "." + Encode(Claims());
        return AssertRefusedAsync(input + "." + Base64Url.EncodeToString(ec.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256)));
    }

    [Test]
    public Task A_kid_not_in_the_jwks_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editHeader: h => h["kid"] = "not-published"));

    [Test]
    public Task A_missing_kid_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editHeader: h => h.Remove("kid")));

    [Test]
    public Task An_audience_equal_to_the_tokens_own_app_id_but_not_ours_is_refused()
    {
        const string other = "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555";
        return AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c =>
        {
            c["aud"] = other;
            c["app"]!["id"] = other;
        }));
    }

    [Test]
    public Task Our_audience_on_a_token_for_another_app_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["app"]!["id"] = "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555"));

    [Test]
    public Task A_wrong_issuer_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["iss"] = "forge/invocation-token-evil"));

    [Test]
    public Task A_future_nbf_beyond_skew_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["nbf"] = DateTimeOffset.UtcNow.AddSeconds(45).ToUnixTimeSeconds()));

    [Test]
    public Task A_missing_exp_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c.Remove("exp")));

    [Test]
    public Task A_missing_installation_id_is_refused()
        => AssertRefusedAsync(Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => ((JsonObject)c["app"]!).Remove("installationId")));

    [Test]
    public Task Duplicate_claims_are_refused()
    {
        // {"aud": <ours>, ..., "aud": <other>} must not be read either way.
        var claims = Claims().ToJsonString();
        var duplicated = claims[..^1] + ",\"iss\":\"forge/invocation-token-evil\"}";
        var input = Encode(new JsonObject { ["alg"] = "RS256", ["kid"] = Issuer.KeyId }) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(duplicated));
        var signature = Issuer.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return AssertRefusedAsync(input + "." + Base64Url.EncodeToString(signature));
    }

    [TestCase("jku")]
    [TestCase("x5u")]
    [TestCase("jwk")]
    [TestCase("x5c")]
    public async Task Key_location_headers_are_refused_and_never_fetched(string header)
    {
        var fetched = 0;
        await using var attacker = await LoopbackServer.StartAsync(context =>
        {
            Interlocked.Increment(ref fetched);
            return context.Response.WriteAsync(Issuer.Jwks());
        });
        var url = new Uri(attacker.Address, "/keys.json").ToString();
        var token = Issuer.Mint(TestIssuer.For(Tenant), editHeader: h => h[header] = header switch
        {
            "jwk" => JsonNode.Parse(Issuer.Jwks())!["keys"]![0]!.DeepClone(),
            "x5c" => new JsonArray("MIIB"),
            _ => JsonValue.Create(url),
        });

        await AssertRefusedAsync(token);
        Assert.That(fetched, Is.Zero, "an attacker-named key location must never be fetched");
    }

    [Test]
    public async Task An_oversized_token_is_refused_before_parsing()
    {
        var token = Issuer.Mint(TestIssuer.For(Tenant), editClaims: c => c["pad"] = new string('p', 20_000));
        var fetchesBefore = Issuer.JwksFetches;
        await AssertRefusedAsync(token);
        Assert.That(Issuer.JwksFetches, Is.EqualTo(fetchesBefore), "an oversized token must not even trigger a key lookup");
    }
}
