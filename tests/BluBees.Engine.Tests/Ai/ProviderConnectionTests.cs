using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>A connection's optional provider: validated against its auth, stored, and shown (never its secret).</summary>
public sealed class ProviderConnectionTests
{
    private static ConnectionInput Input(string? provider, ConnectionAuth auth, string? secret = "sk-123")
        => new() { Name = "AI", BaseUrl = "https://api.openai.com/v1", Auth = auth, Secret = secret, Provider = provider };

    private static string Errors(ConnectionInput input) => ConnectionValidator.Validate(input, hasStoredSecret: false, new EgressOptions()).ToString();

    [Test]
    public void AProviderTakesABearerOrHeaderKey()
    {
        Assert.That(Errors(Input(AiProviders.OpenAi, new ConnectionAuth { Type = AuthTypes.Bearer })), Is.Empty);
        Assert.That(Errors(Input(AiProviders.OpenAi, new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "api-key" })), Is.Empty);
        Assert.That(Errors(Input(AiProviders.Anthropic, new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "x-api-key" })), Is.Empty);
        Assert.That(Errors(Input(null, new ConnectionAuth { Type = AuthTypes.Basic, Username = "u" })), Is.Empty, "plain connections are unchanged");
    }

    [TestCase("gemini", AuthTypes.Bearer, null, "provider: 'gemini' is not an AI provider")]
    [TestCase("OpenAI", AuthTypes.Bearer, null, "provider: 'OpenAI' is not an AI provider")]
    [TestCase("openai", AuthTypes.Basic, null, "auth.type: an AI provider connection uses 'bearer' or 'apiKey' in a header")]
    [TestCase("anthropic", AuthTypes.ApiKey, "query", "auth.type: an AI provider connection uses 'bearer' or 'apiKey' in a header, not 'apiKey' in the query")]
    [TestCase("anthropic", AuthTypes.None, null, "auth.type: an AI provider connection uses")]
    public void AnUnusableProviderSetupNamesTheField(string provider, string type, string? @in, string message)
    {
        var auth = new ConnectionAuth { Type = type, In = @in, Name = @in is null ? null : "key", Username = type == AuthTypes.Basic ? "u" : null };

        Assert.That(Errors(Input(provider, auth, type == AuthTypes.None ? null : "sk-123")), Does.Contain(message));
    }

    [Test]
    public async Task TheProviderIsStoredShownAndChangeable()
    {
        using var kit = new AiKit();
        var input = Input(AiProviders.OpenAi, new ConnectionAuth { Type = AuthTypes.Bearer }) with { BaseUrl = "https://api.openai.com/v1" };

        var created = (await kit.Connections.CreateAsync(AiKit.Tenant, input, CancellationToken.None)).Value!;
        var view = ConnectionView.From((await kit.Connections.GetAsync(AiKit.Tenant, created.Id, CancellationToken.None))!);
        var updated = (await kit.Connections.UpdateAsync(AiKit.Tenant, created.Id, input with { Provider = null, Secret = null }, CancellationToken.None)).Value!;

        Assert.That(view.Provider, Is.EqualTo(AiProviders.OpenAi));
        Assert.That(view.SecretSet, Is.True);
        Assert.That(updated.Provider, Is.Null);
        Assert.That(updated.SecretCiphertext, Is.EqualTo(created.SecretCiphertext), "same auth and origin: the secret is kept");
    }
}
