using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps.Ai;
using BluBees.Engine.Tests.Egress;
using Microsoft.Extensions.AI;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// A provider connection's key reaches only that connection's base URL: its scheme, host and port, under its path.
/// The SDKs choose the URLs they ask for, so <see cref="GuardedHttpMessageHandler"/> checks each one before it adds the
/// key; before, it added the key to whatever the SDK asked for. Two real loopback servers: the configured one and a
/// second one that must never see a request. The SDKs are the real ones (OpenAI, Anthropic), sending through the handler
/// as <see cref="AiStepExecutor"/> builds it.
/// </summary>
public sealed class ProviderCredentialScopeTests
{
    private const string Key = "CANARY-scope-key-91c4";

    /// <summary>URLs an SDK could ask for (a model name put into a path, an absolute URL in an option), none in the scope of <c>{first}/v1</c>.</summary>
    private static IEnumerable<TestCaseData> OutOfScope()
    {
        yield return Case("../ in a model name put into the path", (first, _) => $"http://{first}/v1/deployments/../../admin/chat/completions");
        yield return Case("%2e%2e in a model name put into the path", (first, _) => $"http://{first}/v1/deployments/%2e%2e/%2E%2E/admin/chat/completions");
        yield return Case("..%2F in a model name put into the path", (first, _) => $"http://{first}/v1/deployments/..%2F..%2Fadmin/chat/completions");
        yield return Case("..; in a model name put into the path", (first, _) => $"http://{first}/v1/deployments/..;/..;/admin");
        yield return Case("a model name that is a protocol-relative URL, resolved against the base", (first, second) => new Uri(new Uri($"http://{first}/v1/"), $"//{second}/v1/chat/completions").ToString());
        yield return Case("a model name that puts the configured host in user info (@)", (first, second) => $"http://{first}@{second}/v1/chat/completions");
        yield return Case("an absolute URL to another host and port", (_, second) => $"http://{second}/v1/chat/completions");
        yield return Case("another scheme on the configured host and port", (first, _) => $"https://{first}/v1/chat/completions");
        yield return Case("a sibling path that only starts like the base path", (first, _) => $"http://{first}/v1evil/chat/completions");
        yield return Case("a path above the base path", (first, _) => $"http://{first}/admin");
        yield return Case("user info on the configured origin", (first, _) => $"http://user@{first}/v1/chat/completions");

        static TestCaseData Case(string name, Func<string, string, string> url) => new TestCaseData(url).SetName("Refused: " + name);
    }

    [TestCaseSource(nameof(OutOfScope))]
    public async Task ARequestOutsideTheConnectionsBaseUrlIsRefusedBeforeAnythingLeaves(Func<string, string, string> urlOf)
    {
        await using var first = LoopbackServer.Ok("{}");
        await using var second = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var url = new Uri(urlOf(Authority(first), Authority(second)));

        var refused = await SendAsync(egress, first.Url("/v1"), new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("""{"model":"m"}""") });

        AssertRefused(refused);
        AssertNothingReached(first, second);
    }

    /// <summary>A URL built without canonicalization keeps its dot segments on the wire: the server resolves them.</summary>
    [Test]
    public async Task ARequestWhoseUncanonicalizedPathWalksOutOfTheBasePathIsRefused()
    {
        await using var first = LoopbackServer.Ok("{}");
        await using var second = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        var url = new Uri($"http://{Authority(first)}/v1/models/../../admin", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        Assert.That(url.AbsolutePath, Does.Contain("/../"), "the path is sent as written");

        var refused = await SendAsync(egress, first.Url("/v1"), new HttpRequestMessage(HttpMethod.Get, url));

        AssertRefused(refused);
        AssertNothingReached(first, second);
    }

    [Test]
    public async Task ARequestInsideTheBaseUrlCarriesTheKeyAndNothingElseIsContacted()
    {
        await using var first = LoopbackServer.Ok("{}");
        await using var second = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());

        var refused = await SendAsync(egress, first.Url("/v1/"), new HttpRequestMessage(HttpMethod.Get, first.Url("/v1/models/gpt-4o%2Fmini")));

        Assert.That(refused, Is.Null);
        Assert.That(first.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer " + Key));
        Assert.That(second.Requests, Is.Empty);
    }

    /// <summary>The real SDKs given an endpoint other than the connection's (an option, a default, a later version): nothing reaches it.</summary>
    [TestCase(AiProviders.OpenAi)]
    [TestCase(AiProviders.Anthropic)]
    public async Task AnSdkPointedAtAnotherEndpointSendsItNothing(string provider)
    {
        await using var first = provider == AiProviders.OpenAi ? ProviderServers.OpenAi("first") : ProviderServers.Anthropic("first");
        await using var second = provider == AiProviders.OpenAi ? ProviderServers.OpenAi("second") : ProviderServers.Anthropic("second");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        using var handler = Handler(egress, first.Url(provider == AiProviders.OpenAi ? "/v1" : "/"));
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var elsewhere = new Connection("conn_elsewhere", "elsewhere", second.Url(provider == AiProviders.OpenAi ? "/v1" : "/").ToString(), new ConnectionAuth { Type = AuthTypes.Bearer }, null, default, default)
        {
            Provider = provider,
        };
        using var chat = ChatClientFactory.Create(elsewhere, "m-1", http);

        var thrown = await Assert.CatchAsync(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = 10 }));

        AssertRefused(Refusal(thrown));
        AssertNothingReached(first, second);
    }

    /// <summary>The real SDKs put a model name into a path (retrieve a model): whatever the name, the key stays under the base URL.</summary>
    [Test]
    public async Task AModelNameTheSdkPutsIntoAPathNeverTakesTheKeyOutOfTheBaseUrl(
        [Values(AiProviders.OpenAi, AiProviders.Anthropic)] string provider,
        [Values("../../../../admin", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/admin", "..%2F..%2F..%2F..%2Fadmin", "..", "//127.0.0.1:SECOND/v1", "x@127.0.0.1:SECOND", "http://127.0.0.1:SECOND/v1/models/m")] string model)
    {
        await using var first = LoopbackServer.Ok("""{"id":"m","object":"model","created":1,"owned_by":"o","type":"model","display_name":"m","created_at":"2025-01-01T00:00:00Z"}""");
        await using var second = LoopbackServer.Ok("{}");
        using var egress = new EgressTestKit(EgressTestKit.LoopbackOptions());
        // A base path below the origin's root: a walk out of it reaches another API (another tenant's, behind a gateway).
        var baseUrl = first.Url("/gateway/tenant-a");
        using var handler = Handler(egress, baseUrl);
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var name = model.Replace("SECOND", second.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        try
        {
            if (provider == AiProviders.OpenAi)
            {
                var options = new OpenAI.OpenAIClientOptions
                {
                    Endpoint = new Uri(baseUrl + "/"),
                    Transport = new HttpClientPipelineTransport(http),
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                };
                await new OpenAI.Models.OpenAIModelClient(new ApiKeyCredential(ChatClientFactory.PlaceholderKey), options).GetModelAsync(name);
            }
            else
            {
                var client = new Anthropic.AnthropicClient { ApiKey = ChatClientFactory.PlaceholderKey, BaseUrl = baseUrl.ToString(), HttpClient = http, MaxRetries = 0 };
                await client.Models.Retrieve(name);
            }
        }
        catch (Exception e) when (e is not AssertionException)
        {
            // Refused (the URL the SDK made of the name left the scope), or an answer the SDK could not use: what
            // matters is where the request went.
        }

        Assert.That(second.Requests, Is.Empty, "the other host got nothing");
        Assert.That(second.Connections, Is.Zero);
        foreach (var request in first.Requests)
        {
            Assert.That(request.Target, Does.StartWith("/gateway/tenant-a/"), "only the base path gets the key");
            Assert.That(Decoded(request.Target).Split('/', '\\').Select(s => s.Split(';')[0]), Has.None.EqualTo("..").And.None.EqualTo("."),
                $"no dot segment, however the server decodes '{request.Target}'");
        }
    }

    /// <summary>The normal call, through the step executor, for both providers and base URLs with and without a path.</summary>
    [TestCase(AiProviders.OpenAi, "/v1", "/v1/chat/completions")]
    [TestCase(AiProviders.OpenAi, "/gateway/openai/v1", "/gateway/openai/v1/chat/completions")]
    [TestCase(AiProviders.Anthropic, "/", "/v1/messages")]
    [TestCase(AiProviders.Anthropic, "/gateway/anthropic", "/gateway/anthropic/v1/messages")]
    public async Task TheProvidersOwnCallStillCarriesTheKey(string provider, string basePath, string endpoint)
    {
        var openAi = provider == AiProviders.OpenAi;
        await using var first = openAi ? ProviderServers.OpenAi("fine") : ProviderServers.Anthropic("fine");
        await using var second = openAi ? ProviderServers.OpenAi("never") : ProviderServers.Anthropic("never");
        using var kit = new AiKit();
        var auth = openAi ? null : new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "x-api-key" };
        var connection = await kit.ConnectionAsync(provider, first.Url(basePath), Key, auth);

        // A model name is body data for both providers' chat calls: dots and slashes in it change no URL.
        var outcome = await kit.RunAsync($$"""{ "id": "ask", "type": "ai.chat", "connection": "{{connection.Id}}", "model": "../../{{second.Port}}/m", "prompt": "hi" }""");

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        Assert.That(outcome.Output!["text"]!.GetValue<string>(), Is.EqualTo("fine"));
        var request = first.Requests.Single();
        Assert.That(request.Target, Is.EqualTo(endpoint));
        Assert.That(openAi ? request.Header("Authorization") : request.Header("x-api-key"), Is.EqualTo(openAi ? "Bearer " + Key : Key));
        Assert.That(second.Requests, Is.Empty);
    }

    [Test]
    public void ARefusalIsRecordedAsCredentialScope()
        => Assert.That(AiErrors.Of(EgressFailure.OutsideCredentialScope), Is.EqualTo(ErrorCategories.CredentialScope));

    private static GuardedHttpMessageHandler Handler(EgressTestKit egress, Uri baseUrl)
        => new(egress.Client, new EgressHeader("Authorization", "Bearer " + Key), CredentialScope.Of(baseUrl.ToString())!, TimeSpan.FromSeconds(30), 1024 * 1024)
        {
            Label = baseUrl.Host,
        };

    /// <summary>Sends one request as an SDK would (an HttpClient over the handler); the handler's refusal, or null when it was sent.</summary>
    private static async Task<EgressCallException?> SendAsync(EgressTestKit egress, Uri baseUrl, HttpRequestMessage request)
    {
        using var handler = Handler(egress, baseUrl);
        using var http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + ChatClientFactory.PlaceholderKey);
        try
        {
            using var response = await http.SendAsync(request);
            return null;
        }
        catch (EgressCallException e)
        {
            return e;
        }
        finally
        {
            request.Dispose();
        }
    }

    private static EgressCallException? Refusal(Exception? e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is EgressCallException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static void AssertRefused(EgressCallException? refused)
    {
        Assert.That(refused, Is.Not.Null, "the request was sent");
        Assert.That(refused!.Failure, Is.EqualTo(EgressFailure.OutsideCredentialScope));
        Assert.That(refused.Message, Does.Not.Contain(Key).And.Not.Contain("admin").And.Not.Contain("Bearer"));
    }

    /// <summary>No fixed wait: a refused call returns before any connection; a sent one completes its exchange first.</summary>
    private static void AssertNothingReached(LoopbackServer first, LoopbackServer second)
    {
        Assert.That(second.Requests, Is.Empty, "the key never reaches the second server");
        Assert.That(second.Connections, Is.Zero);
        Assert.That(first.Requests, Is.Empty, "nor the configured server outside its base URL");
        Assert.That(first.Connections, Is.Zero);
    }

    private static string Authority(LoopbackServer server) => server.Url("/").Authority;

    private static string Decoded(string target)
    {
        for (var round = 0; round < 3; round++)
        {
            target = Uri.UnescapeDataString(target);
        }

        return target;
    }
}
