using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BluBees.Api.Auth;
using BluBees.Bench.Harness;
using Microsoft.Extensions.Options;

namespace BluBees.Bench.Micro;

/// <summary>
/// Forge Invocation Token validation with an in-memory JWKS (RS256, 2048-bit), next to the bare RSA verify it
/// cannot avoid, so the parsing overhead is visible.
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private RSA _signer = null!;
    private RSA _public = null!;
    private ForgeTokenValidator _validator = null!;
    private string _token = null!;
    private byte[] _signedBytes = null!;
    private byte[] _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _signer = RSA.Create(2048);
        _public = RSA.Create();
        _public.ImportParameters(_signer.ExportParameters(false));
        var header = new System.Text.Json.Nodes.JsonObject { ["alg"] = "RS256", ["kid"] = "bench-key", ["typ"] = "JWT" };
        _token = BluBees.Engine.DevTokens.DevTokenIssuer.Sign(_signer, header,
            BluBees.Engine.DevTokens.DevTokenClaims.Build(BenchIssuer.For("ari:cloud:ecosystem::installation/bench") with { Lifetime = TimeSpan.FromHours(2) }, DateTimeOffset.UtcNow));
        _validator = new ForgeTokenValidator(new StaticJwks("bench-key", _public), Options.Create(new ForgeOptions { AppId = BenchIssuer.AppId }), TimeProvider.System);
        var lastDot = _token.LastIndexOf('.');
        _signedBytes = Encoding.ASCII.GetBytes(_token[..lastDot]);
        _signature = System.Buffers.Text.Base64Url.DecodeFromChars(_token.AsSpan(lastDot + 1));
        var (tenant, _, failure) = _validator.ValidateAsync(_token, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (tenant is null)
        {
            throw new InvalidOperationException("The benchmark token does not validate: " + failure);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _signer.Dispose();
        _public.Dispose();
    }

    [Benchmark]
    public async ValueTask<string?> ValidateForgeToken()
    {
        var (tenant, _, _) = await _validator.ValidateAsync(_token, CancellationToken.None);
        return tenant?.TenantId;
    }

    [Benchmark]
    public bool RsaVerifyOnly() => _public.VerifyData(_signedBytes, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private sealed class StaticJwks(string kid, RSA key) : IJwksSource
    {
        public ValueTask<RSA?> GetKeyAsync(string id, CancellationToken ct) => ValueTask.FromResult(id == kid ? key : null);
    }
}
