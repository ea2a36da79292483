using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace BluBees.Api.Tests.Security;

/// <summary>A JWKS document as an issuer serves it, and an <see cref="IHttpClientFactory"/> over one handler, for the JWKS cache tests.</summary>
internal static class JwksDocuments
{
    /// <summary>One RS256 signing key, as a JWKS's <c>keys</c> array holds it.</summary>
    public static string Of(string kid, RSA rsa)
    {
        var p = rsa.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = kid,
                ["n"] = Base64Url.EncodeToString(p.Modulus), ["e"] = Base64Url.EncodeToString(p.Exponent),
            }),
        }.ToJsonString();
    }

    /// <summary>Every client it creates sends through <paramref name="handler"/>.</summary>
    public sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
