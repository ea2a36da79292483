using System.Text;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Storage;
using BluBees.Engine.Tests.Ai;
using BluBees.Engine.Tests.Egress;
using BluBees.Engine.Tests.Policies;
using BluBees.Engine.Tests.Steps.Transfer;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps;

/// <summary>
/// Every step kind × every auth type against loopback servers: the exact credential each destination receives. An
/// OAuth 2.0 connection sends its access token, never its stored client secret or refresh token (to any host but the
/// token endpoint); every kind goes through the one credential seam.
/// </summary>
public sealed class CredentialMatrixTests
{
    private const string StaticSecret = "static-canary-51f0";
    private const string ClientSecret = "client-secret-canary-9ab2";
    private const string RefreshToken = "refresh-token-canary-c3d4";

    public static readonly string[] AuthKinds = ["none", "apiKeyHeader", "apiKeyQuery", "bearer", "basic", "oauthClientCredentials", "oauthRefreshToken"];

    [Test]
    public async Task AnHttpStepSendsExactlyTheConnectionsCredential([ValueSource(nameof(AuthKinds))] string auth)
    {
        using var h = new PolicyHarness();
        await using var tokens = new TokenEndpoint();
        await using var api = LoopbackServer.Ok("{}");
        var connection = await h.CreateAsync(new TenantId("tenant-m"), Input(auth, api, tokens));

        var outcome = await h.RunAsync("tenant-m", PolicyHarness.Step(connection, "POST", "/items"));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        AssertCredential(auth, api.Requests.Single(), tokens);
    }

    /// <summary>
    /// The connection's host redirects the step to another origin (another port), with a 302 or a 307 (which keeps the
    /// method): whatever the auth kind, the other origin receives no credential, neither header nor query key, and no
    /// secret or access token anywhere in its request.
    /// </summary>
    [Test]
    public async Task NoCredentialOfAnHttpStepFollowsARedirectToAnotherOrigin([ValueSource(nameof(AuthKinds))] string auth, [Values(302, 307)] int status)
    {
        using var h = new PolicyHarness();
        await using var tokens = new TokenEndpoint();
        await using var elsewhere = LoopbackServer.Ok("{}");
        await using var api = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, status, elsewhere.Url("/landing").ToString(), ct));
        var connection = await h.CreateAsync(new TenantId("tenant-m"), Input(auth, api, tokens));

        var outcome = await h.RunAsync("tenant-m", PolicyHarness.Step(connection, "GET", "/items"));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        AssertCredential(auth, api.Requests.Single(), tokens);
        var landed = elsewhere.Requests.Single();
        Assert.That(landed.Target, Is.EqualTo("/landing"));
        Assert.That(landed.Header("Authorization"), Is.Null);
        Assert.That(landed.Header("X-Api-Key"), Is.Null);
        var everything = landed.Target + "\n" + string.Join('\n', landed.Headers.Select(p => p.Key + ": " + p.Value));
        Assert.That(everything, Does.Not.Contain(StaticSecret).And.Not.Contain(ClientSecret).And.Not.Contain(RefreshToken).And.Not.Match("at-[0-9]"));
    }

    [Test]
    public async Task BothSidesOfATransferSendExactlyTheirConnectionsCredential([ValueSource(nameof(AuthKinds))] string auth)
    {
        using var kit = new TransferKit();
        await using var tokens = new TokenEndpoint();
        await using var source = LoopbackServer.Start((_, s, ct) => LoopbackServer.RespondAsync(s, 200, "file bytes", ct, ("Content-Type", "text/plain")));
        await using var destination = LoopbackServer.Ok("{}");
        var from = await Create(kit.Connections, Input(auth, source, tokens) with { Name = "Source" });
        var to = await Create(kit.Connections, Input(auth, destination, tokens) with { Name = "Destination" });
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "{{from.Id}}", "path": "/file" },
              "destination": { "connection": "{{to.Id}}", "path": "/upload", "method": "PUT" } }
            """, StepKit.ConnectionMap(from, to));

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(Encoding.UTF8.GetString(destination.Requests.Single().Body), Is.EqualTo("file bytes"));
        AssertCredential(auth, source.Requests.Single(), tokens);
        AssertCredential(auth, destination.Requests.Single(), tokens);
    }

    [TestCase("bearer")]
    [TestCase("apiKeyHeader")]
    public async Task AnAiChatStepSendsExactlyTheConnectionsCredential(string auth)
    {
        // Provider connections accept bearer and API-key headers only (ConnectionValidator); OAuth is refused there.
        using var kit = new AiKit();
        await using var provider = ProviderServers.OpenAi("answer");
        var input = Input(auth, provider, tokens: null);
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, provider.Url("/v1"), StaticSecret, input.Auth);

        var outcome = await kit.RunAsync($$"""{ "id": "ask", "type": "ai.chat", "connection": "{{connection.Id}}", "model": "m-1", "prompt": "Hi" }""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        AssertCredential(auth, provider.Requests.Single(), null);
    }

    [Test]
    public async Task AnOAuthTransferSideWhoseTokenIsRefusedSendsNothing()
    {
        using var kit = new TransferKit();
        await using var tokens = new TokenEndpoint { Answer = (_, _) => (400, new System.Text.Json.Nodes.JsonObject { ["error"] = "invalid_client" }) };
        await using var source = LoopbackServer.Ok("file");
        await using var destination = LoopbackServer.Ok("{}");
        var from = await Create(kit.Connections, Input("oauthClientCredentials", source, tokens));
        var step = TransferKit.Compile($$"""
            { "id": "copy", "type": "transfer",
              "source": { "connection": "{{from.Id}}", "path": "/file" },
              "destination": { "url": "{{destination.Url("/upload")}}", "method": "PUT" } }
            """, StepKit.ConnectionMap(from));

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.OAuthTokenRejected));
        Assert.That(outcome.Record.Metrics!.FailedSide, Is.EqualTo(TransferCategories.Source));
        Assert.That(await source.SettledConnectionsAsync(), Is.Zero, "no fallback to the stored client secret");
        Assert.That(await destination.SettledConnectionsAsync(), Is.Zero);
    }

    internal static ConnectionInput Input(string auth, LoopbackServer api, TokenEndpoint? tokens) => auth switch
    {
        "oauthClientCredentials" => tokens!.ClientCredentials(api, ClientSecret),
        "oauthRefreshToken" => tokens!.RefreshToken(api, RefreshToken, ClientSecret),
        _ => new ConnectionInput
        {
            Name = "API " + auth,
            BaseUrl = api.Url("/api").ToString(),
            Auth = auth switch
            {
                "none" => new ConnectionAuth { Type = AuthTypes.None },
                "apiKeyHeader" => new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "X-Api-Key" },
                "apiKeyQuery" => new ConnectionAuth { Type = AuthTypes.ApiKey, In = "query", Name = "api_key" },
                "bearer" => new ConnectionAuth { Type = AuthTypes.Bearer },
                _ => new ConnectionAuth { Type = AuthTypes.Basic, Username = "ann" },
            },
            Secret = auth == "none" ? null : StaticSecret,
        },
    };

    private static async Task<Connection> Create(ConnectionService connections, ConnectionInput input)
    {
        var outcome = await connections.CreateAsync(TransferKit.Tenant, input, CancellationToken.None);
        Assert.That(outcome.Value, Is.Not.Null, () => outcome.Errors?.ToString() ?? outcome.Detail ?? "");
        return outcome.Value!;
    }

    /// <summary>The request carries exactly the expected credential, and no stored OAuth secret anywhere.</summary>
    private static void AssertCredential(string auth, RecordedRequest request, TokenEndpoint? tokens)
    {
        var authorization = request.Header("Authorization");
        var apiKey = request.Header("X-Api-Key");
        switch (auth)
        {
            case "none":
                Assert.That(authorization, Is.Null);
                Assert.That(apiKey, Is.Null);
                Assert.That(request.Target, Does.Not.Contain("api_key"));
                break;
            case "apiKeyHeader":
                Assert.That(apiKey, Is.EqualTo(StaticSecret));
                Assert.That(authorization, Is.Null);
                break;
            case "apiKeyQuery":
                Assert.That(request.Target, Does.EndWith("api_key=" + StaticSecret));
                Assert.That(authorization, Is.Null);
                break;
            case "bearer":
                Assert.That(authorization, Is.EqualTo("Bearer " + StaticSecret));
                break;
            case "basic":
                Assert.That(authorization, Is.EqualTo("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ann:" + StaticSecret))));
                break;
            default:
                Assert.That(authorization, Does.Match("^Bearer at-[0-9]+$"), "the access token the endpoint issued");
                Assert.That(tokens!.Requests, Is.GreaterThanOrEqualTo(1));
                break;
        }

        var everything = request.Target + "\n" + string.Join('\n', request.Headers.Select(p => p.Key + ": " + p.Value)) + "\n" + Encoding.UTF8.GetString(request.Body);
        Assert.That(everything, Does.Not.Contain(ClientSecret).And.Not.Contain(RefreshToken));
        Assert.That(everything, Does.Not.Contain(Convert.ToBase64String(Encoding.UTF8.GetBytes("client-1:" + ClientSecret))));
    }
}
