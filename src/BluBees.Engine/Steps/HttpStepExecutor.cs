using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps;

/// <summary>
/// Runs one HTTP step: resolve the tenant's connection, get its credential just in time from the
/// <see cref="ICredentialSource"/> (a static secret, or an OAuth 2.0 access token), render, send through the
/// connection's resilience pipeline (bulkhead, breaker, retries) and the egress guard, and keep the bounded response
/// in memory for later steps. Every request carries an <c>Idempotency-Key</c> (<see cref="IdempotencyKeys"/>) unless
/// the step sets its own. The record names only the configured host (<see cref="StepHosts"/>).
/// </summary>
internal sealed class HttpStepExecutor(
    ConnectionService connections, ICredentialSource credentials, ConnectionPipelines pipelines, GuardedHttpClient http,
    TimeProvider time, TemplateLimits limits, IOptions<RunOptions> options)
    : IStepExecutor
{
    public string Kind => CompiledHttpStep.KindName;

    public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
        => ExecuteAsync(run, (CompiledHttpStep)step, ct);

    public Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
        => PreviewAsync(tenantId, (CompiledHttpStep)step, scope, path, ct);

    private async Task<StepPreview> PreviewAsync(TenantId tenantId, CompiledHttpStep step, JsonObject scope, string path, CancellationToken ct)
    {
        var connection = step.ConnectionId is null ? null : await connections.GetAsync(tenantId, step.ConnectionId, ct);
        if (step.ConnectionId is not null && connection is null)
        {
            return new StepPreview(null, new DryRunError(path + ".connection", ErrorCategories.ConnectionMissing, $"connection '{step.ConnectionId}' does not exist"), null);
        }

        var credential = connection is null ? null : credentials.Masked(connection);
        var (request, failure) = RequestBuilder.Build(step, connection, credential, scope, limits);
        if (request is null)
        {
            return new StepPreview(null, new DryRunError(path, failure!.Category, failure.Message), null);
        }

        var headers = RequestBuilder.Preview(request.Headers);
        if (!IdempotencyKeys.Has(request.Headers))
        {
            headers[IdempotencyKeys.Header] = "(one per event and step)";
        }

        if (request.ContentType is not null)
        {
            headers["Content-Type"] = request.ContentType;
        }

        var url = request.Url.OriginalString.Replace(Uri.EscapeDataString(RequestBuilder.Mask), RequestBuilder.Mask, StringComparison.Ordinal);
        var preview = new DryRunRequest(step.Id, request.Method, url, headers, request.Body is null ? null
            : JsonNode.Parse(request.Body, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = RequestBuilder.MaxBodyDepth }));

        // Later steps see a placeholder: a dry run has no responses.
        return new StepPreview(preview, null, new JsonObject { ["status"] = null, ["ok"] = null, ["body"] = null, ["dryRun"] = true });
    }

    private async Task<StepOutcome> ExecuteAsync(StepRun run, CompiledHttpStep step, CancellationToken ct)
    {
        var tenantId = run.TenantId;
        var started = time.GetTimestamp();
        Connection? connection = null;
        Credential? credential = null;
        if (step.ConnectionId is not null)
        {
            connection = await connections.GetAsync(tenantId, step.ConnectionId, ct);
            if (connection is null)
            {
                return Failed(step, null, started, ErrorCategories.ConnectionMissing);
            }

            if (AuthTypes.IsOAuth2(connection.Auth.Type))
            {
                await AcceptCommit.WaitAsync(ct); // its access token may be fetched (and a rotated refresh token stored)
            }

            var result = await credentials.GetAsync(tenantId, connection, AttemptTimeout(step, pipelines.For(tenantId, connection).Policy), ct);
            if (result.Failed)
            {
                return Failed(step, connection, started, result.Category!);
            }

            credential = result.Credential;
        }

        var (request, failure) = RequestBuilder.Build(step, connection, credential, scope: run.Scope, limits);
        if (request is null)
        {
            return Failed(step, connection, started, failure!.Category, failure.Field);
        }

        var pipeline = pipelines.For(tenantId, connection);
        var host = StepHosts.Of(step, connection);

        // Retries stay opt-in for POST/PATCH: only a key the step sets itself says the API honours one.
        var retryable = HttpMethods.IsIdempotent(request.Method) || IdempotencyKeys.Has(request.Headers);
        var egressRequest = new EgressRequest(new HttpMethod(request.Method), request.Url)
        {
            Headers = IdempotencyKeys.With(request.Headers, run, step.Id),
            Body = request.Body,
            ContentType = request.ContentType,
            Timeout = AttemptTimeout(step, pipeline.Policy),
            MaxResponseBytes = options.Value.MaxStepResponseBytes,
            Label = host,
            CredentialScope = request.CredentialScope,
            CredentialParameter = request.CredentialParameter,
        };
        await AcceptCommit.WaitAsync(ct); // prepared beside the event's accepting commit; sent only once it committed
        var sent = await pipeline.SendAsync(http, egressRequest, retryable, ct);
        using var response = sent.Response;
        var category = sent.Category ?? (response is null ? ErrorCategories.ConnectionFailed : HttpResponseMapping.Categorize(response));
        if (credential is not null && response is { StatusCode: 401, LeftCredentialScope: false })
        {
            credentials.Rejected(tenantId, connection!, credential);
        }

        var record = new StepRecord(
            step.Id, CompiledHttpStep.KindName, connection?.Id, request.Method, host, response?.StatusCode, sent.Attempts,
            response?.BytesOut ?? 0, response?.BytesIn ?? 0, Elapsed(started), category is null ? RunStatus.Succeeded : RunStatus.Failed, category)
        {
            Metrics = sent.Retries > 0 || sent.CircuitOpen || sent.RateLimited
                ? new StepMetrics { Retries = sent.Retries, CircuitOpen = sent.CircuitOpen, RateLimited = sent.RateLimited }
                : null,
        };
        var output = response?.StatusCode is { } status && sent.Category is null
            ? new JsonObject { ["status"] = status, ["ok"] = category is null, ["body"] = HttpResponseMapping.ParseBody(response) }
            : null;
        return new StepOutcome(record, output);
    }

    /// <summary>One attempt: the step's own timeout, capped by the connection's attempt and total timeouts.</summary>
    private static TimeSpan AttemptTimeout(CompiledHttpStep step, ResiliencePolicy policy)
    {
        var attempt = step.Timeout < policy.AttemptTimeout ? step.Timeout : policy.AttemptTimeout;
        return attempt < policy.Timeout ? attempt : policy.Timeout;
    }

    private StepOutcome Failed(CompiledHttpStep step, Connection? connection, long started, string category, string? field = null)
        => new(new StepRecord(step.Id, CompiledHttpStep.KindName, connection?.Id, step.Method, StepHosts.Of(step, connection), null, 0, 0, 0, Elapsed(started), RunStatus.Failed, category)
        {
            FailedField = StepRecord.FieldName(field),
        }, null);

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;
}
