using System.Security.Cryptography;
using BluBees.Api.Auth;
using BluBees.Engine.DevTokens;

namespace BluBees.Api.Dev;

/// <summary>In development the only trusted key is the development issuer's, held in-process.</summary>
internal sealed class DevJwksSource(DevTokenIssuer issuer) : IJwksSource
{
    private readonly RSA _key = issuer.PublicKey;

    public ValueTask<RSA?> GetKeyAsync(string kid, CancellationToken ct) => ValueTask.FromResult(kid == issuer.KeyId ? _key : null);
}
