using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Execution;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// A non-streamed completion arrives whole, headers included, once the model has finished: the step's own
/// <c>timeoutSeconds</c> (up to 60 s) bounds that wait, not the guard's short time-to-first-byte limit for plain HTTP.
/// </summary>
public sealed class AiSlowCompletionTests
{
    [TestCase(AiProviders.OpenAi, "/v1")]
    [TestCase(AiProviders.Anthropic, "/")]
    public async Task ACompletionLongerThanTheHeadersTimeoutButWithinTheStepTimeoutSucceeds(string provider, string basePath)
    {
        // The operator's time-to-first-byte limit made small so the test stays short; the provider "thinks" past it.
        var egress = EgressTestKit.LoopbackOptions();
        egress.ResponseHeadersTimeout = TimeSpan.FromSeconds(1);
        using var kit = new AiKit(egress);
        await using var server = ProviderServers.Thinking(provider, TimeSpan.FromSeconds(3), "Users on Safari cannot log in.");
        var connection = await kit.ConnectionAsync(provider, server.Url(basePath), "sk-slow-1");
        var step = $$$"""{ "id": "summary", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m-1", "prompt": "Summarise {{ issue.key }}", "timeoutSeconds": 30 }""";

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.Null);
        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Succeeded));
        Assert.That(outcome.Output!["text"]!.GetValue<string>(), Is.EqualTo("Users on Safari cannot log in."));
    }

    [Test]
    public async Task AProviderSilentPastTheStepTimeoutStillTimesOut()
    {
        var egress = EgressTestKit.LoopbackOptions();
        egress.ResponseHeadersTimeout = TimeSpan.FromSeconds(1);
        using var kit = new AiKit(egress);
        await using var server = ProviderServers.Thinking(AiProviders.OpenAi, TimeSpan.FromMinutes(5), "never");
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), "sk-slow-2");
        var step = $$$"""{ "id": "summary", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m-1", "prompt": "Hi", "timeoutSeconds": 2 }""";

        var outcome = await kit.RunAsync(step);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.Timeout));
        Assert.That(outcome.Output, Is.Null);
    }
}
