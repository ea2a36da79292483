using System.Text.Json;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Runs;
using BluBees.Engine.Tests.Egress;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Ai;

/// <summary>
/// The key and the pass-through data (prompt, completion) reach the provider and the run's memory only: never a
/// run record, a log line, a stored item or an error. Provider traffic goes through the egress guard.
/// </summary>
public sealed class AiSecurityTests
{
    private const string KeyCanary = "CANARY-key-4b1e9d";
    private const string PromptCanary = "CANARY-prompt-77c2a0";
    private const string CompletionCanary = "CANARY-completion-e5f310";

    private static string Step(string connectionId, bool schema) => $$$"""
        {
          "id": "triage", "type": "ai.chat", "connection": "{{{connectionId}}}", "model": "m-1",
          "system": "System {{ issue.fields.summary }}", "prompt": "Classify: {{ issue.fields.description }}"
          {{{(schema ? ""","schema": { "type": "object", "properties": { "p": { "type": "string" } }, "required": ["p"] }""" : "")}}}
        }
        """;

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var provider in new[] { AiProviders.OpenAi, AiProviders.Anthropic })
        {
            yield return new TestCaseData(provider, "ok", false).SetName($"{provider}: success");
            yield return new TestCaseData(provider, "invalid", true).SetName($"{provider}: invalid structured output");
            yield return new TestCaseData(provider, "400", false).SetName($"{provider}: 400 echoing the prompt");
            yield return new TestCaseData(provider, "500", false).SetName($"{provider}: 500 echoing the prompt");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public async Task NoCanaryReachesARecordALogOrTheStore(string provider, string answer, bool schema)
    {
        using var kit = new AiKit();
        await using var server = answer switch
        {
            "ok" => provider == AiProviders.OpenAi ? ProviderServers.OpenAi(CompletionCanary) : ProviderServers.Anthropic(CompletionCanary),
            "invalid" => provider == AiProviders.OpenAi ? ProviderServers.OpenAi("not json " + CompletionCanary) : ProviderServers.Anthropic("not json " + CompletionCanary),
            _ => ProviderServers.Error(provider, int.Parse(answer, System.Globalization.CultureInfo.InvariantCulture), PromptCanary + " " + KeyCanary),
        };
        var connection = await kit.ConnectionAsync(provider, server.Url(provider == AiProviders.OpenAi ? "/v1" : "/"), KeyCanary);

        var outcome = await kit.RunAsync(Step(connection.Id, schema), AiKit.Scope(summary: PromptCanary, description: PromptCanary));

        var request = server.Requests.Single();
        var sent = System.Text.Encoding.UTF8.GetString(request.Body) + string.Join('\n', request.Headers.Values);
        Assert.That(sent, Does.Contain(PromptCanary), "the provider did receive the prompt");
        Assert.That(sent, Does.Contain(KeyCanary), "the provider did receive the key");
        Assert.That(outcome.Record.Status, Is.EqualTo(answer == "ok" ? RunStatus.Succeeded : RunStatus.Failed));
        var traces = await kit.TracesAsync(outcome);
        Assert.That(traces, Does.Contain(connection.Id), "the traces must actually include the stored connection");
        foreach (var canary in new[] { KeyCanary, PromptCanary, CompletionCanary })
        {
            Assert.That(traces, Does.Not.Contain(canary));
        }

        if (answer != "ok")
        {
            Assert.That(kit.Logs.AllText, Does.Contain("triage"), "the failure was logged, as metadata");
        }
        else
        {
            Assert.That(outcome.Output!["text"]!.GetValue<string>(), Is.EqualTo(CompletionCanary), "the completion lives in memory for later steps");
        }
    }

    /// <summary>Both SDKs send through the guard: neither opens a connection of its own (each would, given no client).</summary>
    [TestCase(AiProviders.OpenAi)]
    [TestCase(AiProviders.Anthropic)]
    public async Task AProviderOnAPrivateAddressIsRefusedByTheGuardBeforeAnyConnection(string provider)
    {
        using var kit = new AiKit(new EgressOptions { AllowHttp = true, AllowAnyPort = true });
        await using var server = provider == AiProviders.OpenAi ? ProviderServers.OpenAi("never") : ProviderServers.Anthropic("never");
        var connection = await kit.ConnectionAsync(provider, server.Url(provider == AiProviders.OpenAi ? "/v1" : "/"), KeyCanary);

        var outcome = await kit.RunAsync(Step(connection.Id, schema: false));

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.BlockedDestination));
        Assert.That(await server.SettledConnectionsAsync(), Is.Zero);
        Assert.That(kit.Logs.AllText, Does.Not.Contain(KeyCanary));
    }

    [TestCase(AiProviders.OpenAi, 307)]
    [TestCase(AiProviders.OpenAi, 308)]
    [TestCase(AiProviders.Anthropic, 307)]
    [TestCase(AiProviders.Anthropic, 308)]
    public async Task ARedirectToAnotherOriginIsRefusedWithTheKeyAndThePrompt(string provider, int status)
    {
        var openAi = provider == AiProviders.OpenAi;
        await using var elsewhere = openAi ? ProviderServers.OpenAi("redirected answer") : ProviderServers.Anthropic("redirected answer");
        await using var first = LoopbackServer.Start((_, s, ct) => LoopbackServer.RedirectAsync(s, status, elsewhere.Url(openAi ? "/v1/chat/completions" : "/v1/messages").ToString(), ct));
        using var kit = new AiKit();
        var connection = await kit.ConnectionAsync(provider, first.Url(openAi ? "/v1" : "/"), KeyCanary);

        var outcome = await kit.RunAsync(Step(connection.Id, schema: false));

        // A 307 would re-send the prompt (issue data) to an origin the connection does not name: not followed.
        Assert.That(outcome.Record.Status, Is.EqualTo(RunStatus.Failed));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.RedirectRefused));
        Assert.That(first.Requests.Single().Header("Authorization"), Is.EqualTo("Bearer " + KeyCanary));
        Assert.That(await elsewhere.SettledConnectionsAsync(), Is.Zero, "neither the key nor the prompt reaches the other origin");
    }

    [Test]
    public async Task AConnectionWithoutAProviderFailsAsAMismatchAtRunTime()
    {
        using var kit = new AiKit();
        await using var server = ProviderServers.OpenAi("never");
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), KeyCanary);
        var step = await kit.CompileAsync(Step(connection.Id, schema: false));
        var plain = new ConnectionInput { Name = "plain", BaseUrl = connection.BaseUrl, Auth = connection.Auth, Secret = "other" };
        Assert.That((await kit.Connections.UpdateAsync(AiKit.Tenant, connection.Id, plain, CancellationToken.None)).Kind, Is.EqualTo(Engine.Common.OutcomeKind.Ok));

        var outcome = await kit.Executor.ExecuteAsync(new Engine.Execution.StepRun(new Engine.Tenancy.TenantContext(AiKit.Tenant.Value, null, null), null, AiKit.Scope()), step, CancellationToken.None);

        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.ConnectionMismatch));
        Assert.That(server.Requests, Is.Empty);
        Assert.That(JsonSerializer.Serialize(outcome.Record), Does.Not.Contain("other"));
    }
}
