using BluBees.Engine.Connections;
using BluBees.Engine.Execution;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// A completion is the answer to its own POST. A redirect that would turn that POST into a GET (303, or a 301/302 of a
/// POST) is not followed: the GET's answer (a page on the provider's host, or on another origin) was read as the model's
/// completion, and the step succeeded with text the prompt never produced. It now fails as <c>unexpected_status</c>,
/// like a Jira step's call. A redirect that repeats the POST as it was (307/308) is still followed on the same origin.
/// </summary>
public sealed class AiMethodChangingRedirectTests
{
    private const string NotTheCompletion = """{"id":"x","object":"chat.completion","created":1705314600,"model":"m-1","choices":[{"index":0,"message":{"role":"assistant","content":"not the completion"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

    private const string Step = """{ "id": "ask", "type": "ai.chat", "connection": "CONNECTION", "model": "m-1", "prompt": "Hi" }""";

    [TestCase(301, false, AiProviders.OpenAi)]
    [TestCase(302, false, AiProviders.OpenAi)]
    [TestCase(303, false, AiProviders.OpenAi)]
    [TestCase(302, true, AiProviders.OpenAi)]
    [TestCase(303, true, AiProviders.OpenAi)]
    [TestCase(302, false, AiProviders.Anthropic)]
    [TestCase(303, true, AiProviders.Anthropic)]
    public async Task ARedirectThatWouldTurnTheCompletionIntoAGetFailsAsUnexpectedStatus(int status, bool sameOrigin, string providerName)
    {
        await using var elsewhere = LoopbackServer.Start((_, s, ct) => Answer(s, ct));
        await using var provider = LoopbackServer.Start((r, s, ct) => r.Method == "POST"
            ? LoopbackServer.RedirectAsync(s, status, sameOrigin ? "/page" : elsewhere.Url("/page").ToString(), ct)
            : Answer(s, ct));
        using var kit = new AiKit();
        var connection = await kit.ConnectionAsync(providerName, provider.Url(providerName == AiProviders.Anthropic ? "/" : "/v1"), "sk-redirect-1");

        var outcome = await kit.RunAsync(Step.Replace("CONNECTION", connection.Id, StringComparison.Ordinal));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.UnexpectedStatus));
        Assert.That(outcome.Record.StatusCode, Is.EqualTo(status));
        Assert.That(outcome.Output, Is.Null);
        Assert.That(provider.Requests.Select(r => r.Method), Is.EqualTo(new[] { "POST" }), "the POST is not turned into a GET");
        Assert.That(await elsewhere.SettledConnectionsAsync(), Is.Zero);
    }

    /// <summary>A 307/308 that stays under the connection's base URL repeats the POST with the key.</summary>
    [TestCase(307)]
    [TestCase(308)]
    public async Task ASameOrigin307Or308InsideTheBaseUrlRepeatsTheCompletionRequestAsItWas(int status)
    {
        await using var provider = LoopbackServer.Start((r, s, ct) => r.Target.Contains("/moved", StringComparison.Ordinal)
            ? Answer(s, ct)
            : LoopbackServer.RedirectAsync(s, status, "/v1/moved" + r.Target["/v1".Length..], ct));
        using var kit = new AiKit();
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, provider.Url("/v1"), "sk-redirect-2");

        var outcome = await kit.RunAsync(Step.Replace("CONNECTION", connection.Id, StringComparison.Ordinal));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded), outcome.Record.ErrorCategory);
        var moved = provider.Requests.Last();
        Assert.That(moved.Target, Does.StartWith("/v1/moved/"));
        Assert.That(moved.Method, Is.EqualTo("POST"));
        Assert.That(moved.Header("Authorization"), Is.EqualTo("Bearer sk-redirect-2"));
        Assert.That(moved.Body, Is.Not.Empty);
    }

    /// <summary>
    /// A 307/308 to the same origin outside the base path would repeat the prompt (issue data) to a path the admin did
    /// not name: refused, nothing sent there. This test once asserted that the POST was repeated there without the key
    /// (and, before that, with it).
    /// </summary>
    [TestCase(307)]
    [TestCase(308)]
    public async Task ASameOrigin307Or308OutOfTheBaseUrlIsRefused(int status)
    {
        await using var provider = LoopbackServer.Start((r, s, ct) => r.Target.Contains("/moved", StringComparison.Ordinal)
            ? Answer(s, ct)
            : LoopbackServer.RedirectAsync(s, status, "/moved" + r.Target["/v1".Length..], ct));
        using var kit = new AiKit();
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, provider.Url("/v1"), "sk-redirect-2");

        var outcome = await kit.RunAsync(Step.Replace("CONNECTION", connection.Id, StringComparison.Ordinal));

        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RedirectRefused));
        Assert.That(provider.Requests.Select(r => r.Target), Has.None.Contains("/moved"));
    }

    private static Task Answer(Stream stream, CancellationToken ct) =>
        LoopbackServer.RespondAsync(stream, 200, NotTheCompletion, ct, ("Content-Type", "application/json"));
}
