using BluBees.Engine.Common;
using BluBees.Engine.Connections;
using BluBees.Engine.Storage;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Policies;

/// <summary>OAuth 2.0 secrets are kept on edit only while they still go to the same token endpoint.</summary>
public sealed class OAuthConnectionEditTests
{
    private static readonly TenantId Tenant = new("tenant-edit");

    private PolicyHarness _h = null!;

    [SetUp]
    public void Create() => _h = new PolicyHarness();

    [TearDown]
    public void Dispose() => _h.Dispose();

    private static ConnectionInput Input(string tokenUrl, string? secret, string? clientSecret) => new()
    {
        Name = "OAuth API",
        BaseUrl = "http://127.0.0.1:8080/api",
        Auth = new ConnectionAuth { Type = AuthTypes.OAuth2RefreshToken, TokenUrl = tokenUrl, ClientId = "c" },
        Secret = secret,
        ClientSecret = clientSecret,
    };

    [Test]
    public async Task Secrets_are_kept_for_the_same_token_endpoint_and_required_again_for_another()
    {
        var created = await _h.CreateAsync(Tenant, Input("http://127.0.0.1:9000/token", "rt", "cs"));

        var kept = await _h.Connections.UpdateAsync(Tenant, created.Id, Input("http://127.0.0.1:9000/other-path", null, null), CancellationToken.None);
        var moved = await _h.Connections.UpdateAsync(Tenant, created.Id, Input("http://127.0.0.1:9001/token", null, null), CancellationToken.None);

        Assert.That(kept.Kind, Is.EqualTo(OutcomeKind.Ok));
        Assert.That(kept.Value!.SecretCiphertext, Is.EqualTo(created.SecretCiphertext));
        Assert.That(kept.Value.ClientSecretCiphertext, Is.EqualTo(created.ClientSecretCiphertext));
        Assert.That(kept.Value.Revision, Is.EqualTo(created.Revision + 1));
        Assert.That(moved.Kind, Is.EqualTo(OutcomeKind.Invalid));
        Assert.That(moved.Errors!.ToDictionary().Keys, Is.EqualTo(new[] { "secret" }));
    }

    [Test]
    public async Task Switching_to_client_credentials_drops_the_client_secret()
    {
        var created = await _h.CreateAsync(Tenant, Input("http://127.0.0.1:9000/token", "rt", "cs"));
        var input = Input("http://127.0.0.1:9000/token", "client-secret", null) with
        {
            Auth = new ConnectionAuth { Type = AuthTypes.OAuth2ClientCredentials, TokenUrl = "http://127.0.0.1:9000/token", ClientId = "c" },
        };

        var updated = (await _h.Connections.UpdateAsync(Tenant, created.Id, input, CancellationToken.None)).Value!;

        Assert.That(updated.ClientSecretCiphertext, Is.Null);
        Assert.That(updated.SecretCiphertext, Is.Not.Null);
    }
}
