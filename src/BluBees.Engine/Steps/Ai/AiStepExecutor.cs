using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Steps;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Ai;

/// <summary>
/// Runs one <c>ai.chat</c> step: resolve the provider connection, render the prompts, get the credential just in time
/// from the <see cref="ICredentialSource"/>, take a slot of the connection's bulkhead, call the provider through the
/// egress guard, and check structured output against the schema. The prompts and the completion live in memory for
/// later steps only; the record holds counts, status, the configured host and category. No <c>Idempotency-Key</c> is
/// sent: neither provider documents one for chat completions / messages (docs/api.md).
/// </summary>
internal sealed class AiStepExecutor(
    ConnectionService connections, ICredentialSource credentials, ConnectionPipelines pipelines, GuardedHttpClient http,
    TimeProvider time, TemplateLimits limits, IOptions<RunOptions> options, ILogger<AiStepExecutor> logger)
    : IStepExecutor
{
    public string Kind => CompiledAiStep.KindName;

    public async Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
    {
        var ai = (CompiledAiStep)step;
        var started = time.GetTimestamp();
        var connection = await connections.GetAsync(run.TenantId, ai.ConnectionId, ct);
        if (connection is null)
        {
            return Failed(ai, null, started, ErrorCategories.ConnectionMissing);
        }

        if (connection.Provider is null || !AiProviders.All.Contains(connection.Provider))
        {
            return Failed(ai, connection, started, ErrorCategories.ConnectionMismatch);
        }

        // The failure text is for dry runs; a run records the category and which template failed.
        var (prompts, failure) = AiPrompts.Render(ai, run.Scope, limits);
        if (prompts is null)
        {
            return Failed(ai, connection, started, ErrorCategories.TemplateError, failure!.StartsWith("system:", StringComparison.Ordinal) ? "system" : "prompt");
        }

        // Where the SDK may send the key (and the prompt): the base URL's origin, under its path.
        if (CredentialScope.Of(connection.BaseUrl) is not { } scope)
        {
            return Failed(ai, connection, started, ErrorCategories.InvalidUrl);
        }

        var result = await credentials.GetAsync(run.TenantId, connection, ai.Timeout, ct);
        if (result.Failed)
        {
            return Failed(ai, connection, started, result.Category!);
        }

        if (result.Credential is { In: not CredentialPlacement.Header })
        {
            // Provider connections carry their key in a header (the connection validator enforces it).
            return Failed(ai, connection, started, ErrorCategories.ConnectionMismatch);
        }

        using var slot = await pipelines.For(run.TenantId, connection).EnterAsync(ct);
        if (slot is null)
        {
            return Failed(ai, connection, started, ErrorCategories.BulkheadFull);
        }

        using var handler = new GuardedHttpMessageHandler(http, result.Credential?.ToHeader(), scope, ai.Timeout, options.Value.MaxStepResponseBytes)
        {
            Label = HostOf(connection),
        };
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        using var chat = ChatClientFactory.Create(connection, ai.Model, client);
        ChatResponse response;
        try
        {
            response = await chat.GetResponseAsync(Messages(prompts), ChatOptionsOf(ai, connection.Provider), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var category = Categorize(e, handler.LastStatus);
            AiLog.CallFailed(logger, ai.Id, connection.Provider, category, e.GetType().Name, handler.LastStatus);
            return new StepOutcome(Record(ai, connection, handler, started, category, null), null);
        }

        var usage = new StepMetrics { InputTokens = ToInt(response.Usage?.InputTokenCount), OutputTokens = ToInt(response.Usage?.OutputTokenCount) };
        if (AiNonAnswers.Of(response) is { } reason)
        {
            AiLog.NoAnswer(logger, ai.Id, connection.Provider, reason);
            return new StepOutcome(Record(ai, connection, handler, started, ErrorCategories.AiInvalidOutput, usage), null);
        }

        var text = response.Text;
        JsonObject? structured = null;
        if (ai.Schema is not null && (structured = OutputValidator.Parse(text, ai.Schema)) is null)
        {
            AiLog.InvalidOutput(logger, ai.Id, connection.Provider);
            return new StepOutcome(Record(ai, connection, handler, started, ErrorCategories.AiInvalidOutput, usage), null);
        }

        var output = new JsonObject
        {
            ["text"] = text,
            ["output"] = structured,
            ["model"] = response.ModelId,
            ["finishReason"] = response.FinishReason?.Value,
            ["usage"] = new JsonObject { ["inputTokens"] = usage.InputTokens, ["outputTokens"] = usage.OutputTokens },
        };
        return new StepOutcome(Record(ai, connection, handler, started, null, usage), output);
    }

    public async Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
    {
        var ai = (CompiledAiStep)step;
        var connection = await connections.GetAsync(tenantId, ai.ConnectionId, ct);
        if (connection is null)
        {
            return new StepPreview(null, new DryRunError(path + ".connection", ErrorCategories.ConnectionMissing, $"connection '{ai.ConnectionId}' does not exist"), null);
        }

        if (connection.Provider is null || !AiProviders.All.Contains(connection.Provider))
        {
            return new StepPreview(null, new DryRunError(path + ".connection", ErrorCategories.ConnectionMismatch, $"connection '{ai.ConnectionId}' is not an AI provider connection"), null);
        }

        var (prompts, failure) = AiPrompts.Render(ai, scope, limits);
        if (prompts is null)
        {
            return new StepPreview(null, new DryRunError(path, ErrorCategories.TemplateError, failure!), null);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = "application/json" };
        if (credentials.Masked(connection) is { In: CredentialPlacement.Header } credential)
        {
            headers[credential.Name] = RequestBuilder.Mask;
        }

        // A provider-neutral summary of what the SDK sends: the exact wire body is the provider client's.
        var body = new JsonObject
        {
            ["provider"] = connection.Provider,
            ["model"] = ai.Model,
            ["system"] = prompts.System,
            ["prompt"] = prompts.Prompt,
            ["temperature"] = ai.Temperature,
            ["maxTokens"] = ai.MaxTokens,
            ["schema"] = ai.Schema?.DeepClone(),
        };
        var preview = new DryRunRequest(ai.Id, "POST", ChatClientFactory.EndpointOf(connection), headers, body);
        return new StepPreview(preview, null, new JsonObject { ["text"] = null, ["output"] = null, ["dryRun"] = true });
    }

    private static List<ChatMessage> Messages(AiPrompts prompts)
    {
        var messages = new List<ChatMessage>(2);
        if (prompts.System is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, prompts.System));
        }

        messages.Add(new ChatMessage(ChatRole.User, prompts.Prompt));
        return messages;
    }

    /// <summary>The step's settings; the schema as written (the provider adapter adapts it, e.g. additionalProperties false).</summary>
    private static ChatOptions ChatOptionsOf(CompiledAiStep step, string provider) => new()
    {
        ModelId = step.Model,
        Temperature = provider == AiProviders.Anthropic ? null : step.Temperature,
        MaxOutputTokens = step.MaxTokens,
        ResponseFormat = step.Schema is null
            ? null
            : ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(step.Schema), schemaName: step.Id),
    };

    /// <summary>Below HTTP: the guard's failure. A 3xx: unexpected status. An HTTP error status: 4xx/5xx. A 2xx the client could not read: provider error.</summary>
    private static string Categorize(Exception e, int? status)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is EgressCallException egress)
            {
                return AiErrors.Of(egress.Failure);
            }
        }

        // A 3xx reaches the SDK only when the guard did not follow it (one that would turn the POST into a GET, 300, 304).
        return status is >= 300 and < 400 ? ErrorCategories.UnexpectedStatus : EgressCategories.OfStatus(status) ?? ErrorCategories.AiProviderError;
    }

    private StepOutcome Failed(CompiledAiStep step, Connection? connection, long started, string category, string? field = null)
        => new(new StepRecord(step.Id, step.Kind, connection?.Id ?? step.ConnectionId, "POST", HostOf(connection), null, 0, 0, 0, Elapsed(started), RunStatus.Failed, category)
        {
            FailedField = StepRecord.FieldName(field),
        }, null);

    private StepRecord Record(CompiledAiStep step, Connection connection, GuardedHttpMessageHandler handler, long started, string? category, StepMetrics? metrics)
        => new(step.Id, step.Kind, connection.Id, "POST", HostOf(connection), handler.LastStatus, handler.Attempts, handler.BytesOut, handler.BytesIn,
            Elapsed(started), category is null ? RunStatus.Succeeded : RunStatus.Failed, category)
        {
            Metrics = metrics is { InputTokens: null, OutputTokens: null } ? null : metrics,
        };

    private static int? ToInt(long? value) => value is null ? null : (int)Math.Min(value.Value, int.MaxValue);

    private static string? HostOf(Connection? connection)
        => connection is not null && Uri.TryCreate(connection.BaseUrl, UriKind.Absolute, out var uri) ? uri.Host : null;

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;
}
