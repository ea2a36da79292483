using BluBees.Engine.Connections;
using BluBees.Engine.Runs;
using BluBees.Engine.Steps;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Ai;

/// <summary>A dry run shows the rendered prompts and the endpoint with the key masked, and sends nothing.</summary>
public sealed class AiPreviewTests
{
    [TestCase(AiProviders.OpenAi, "/v1", "/v1/chat/completions", "Authorization")]
    [TestCase(AiProviders.Anthropic, "/", "/v1/messages", "x-api-key")]
    public async Task PreviewMasksTheKeyAndSendsNothing(string provider, string basePath, string endpoint, string header)
    {
        using var kit = new AiKit();
        await using var server = ProviderServers.OpenAi("never");
        var auth = header == "x-api-key" ? new ConnectionAuth { Type = AuthTypes.ApiKey, In = "header", Name = "x-api-key" } : null;
        var connection = await kit.ConnectionAsync(provider, server.Url(basePath), "sk-preview-secret", auth);
        var step = await kit.CompileAsync($$$"""
            { "id": "t", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m", "system": "Be brief.", "prompt": "Triage {{ issue.key }}",
              "maxTokens": 50, "schema": { "type": "object", "properties": { "p": { "type": "string" } } } }
            """);

        var preview = await kit.Executor.PreviewAsync(AiKit.Tenant, step, AiKit.Scope(), "steps[0]", CancellationToken.None);

        Assert.That(preview.Error, Is.Null);
        var request = preview.Request!;
        Assert.That(request.Method, Is.EqualTo("POST"));
        Assert.That(request.Url, Is.EqualTo(server.Url(endpoint).ToString()));
        Assert.That(request.Headers[header], Is.EqualTo(RequestBuilder.Mask));
        Assert.That(request.Body!["prompt"]!.GetValue<string>(), Is.EqualTo("Triage PRJ-12"));
        Assert.That(request.Body!["system"]!.GetValue<string>(), Is.EqualTo("Be brief."));
        Assert.That(request.Body!["maxTokens"]!.GetValue<int>(), Is.EqualTo(50));
        Assert.That(request.Body!["schema"]!["type"]!.GetValue<string>(), Is.EqualTo("object"));
        Assert.That(preview.Output!["dryRun"]!.GetValue<bool>(), Is.True);
        Assert.That(request.ToString() + request.Body.ToJsonString(), Does.Not.Contain("sk-preview-secret"));
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    public async Task ARenderErrorIsReportedAtTheStep()
    {
        using var kit = new AiKit();
        await using var server = ProviderServers.OpenAi("never");
        var connection = await kit.ConnectionAsync(AiProviders.OpenAi, server.Url("/v1"), "sk");
        var step = await kit.CompileAsync($$$"""{ "id": "t", "type": "ai.chat", "connection": "{{{connection.Id}}}", "model": "m", "prompt": "{{ issue.key | divided_by: 0 }}" }""");

        var preview = await kit.Executor.PreviewAsync(AiKit.Tenant, step, AiKit.Scope(), "steps[0]", CancellationToken.None);
        var outcome = await kit.Executor.ExecuteAsync(new StepRun(new Engine.Tenancy.TenantContext(AiKit.Tenant.Value, null, null), null, AiKit.Scope()), step, CancellationToken.None);

        Assert.That(preview.Error!.Category, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(preview.Error.Path, Is.EqualTo("steps[0]"));
        Assert.That(preview.Error.Message, Does.StartWith("prompt: template error"));
        Assert.That(outcome.Record.ErrorCategory, Is.EqualTo(ErrorCategories.TemplateError));
        Assert.That(server.Requests, Is.Empty);
    }
}
