using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.OAuth;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Runs;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Steps;

/// <summary>
/// Runs one HTTP step: resolve the tenant's connection, decrypt its secret (or get its OAuth 2.0 token) just in
/// time, render, send through the connection's resilience pipeline and the egress guard, and keep the bounded
/// response in memory for later steps.
/// </summary>
public sealed class HttpStepExecutor(
    ConnectionService connections, OAuthTokenProvider tokens, ConnectionPipelines pipelines, GuardedHttpClient http,
    TimeProvider time, TemplateLimits limits, IOptions<RunOptions> options)
    : IStepExecutor
{
    public string Kind => CompiledHttpStep.KindName;

    public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
        => ExecuteAsync(run.TenantId, (CompiledHttpStep)step, run.Scope, ct);

    public Task<StepPreview> PreviewAsync(string tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
        => PreviewAsync(tenantId, (CompiledHttpStep)step, scope, path, ct);

    private async Task<StepPreview> PreviewAsync(string tenantId, CompiledHttpStep step, JsonObject scope, string path, CancellationToken ct)
    {
        var connection = step.ConnectionId is null ? null : await connections.GetAsync(tenantId, step.ConnectionId, ct);
        if (step.ConnectionId is not null && connection is null)
        {
            return new StepPreview(null, new DryRunError(path + ".connection", ErrorCategories.ConnectionMissing, $"connection '{step.ConnectionId}' does not exist"), null);
        }

        var secret = connection?.SecretCiphertext is null ? null : RequestBuilder.Mask;
        var (request, failure) = RequestBuilder.Build(step, connection, secret, scope, limits);
        if (request is null)
        {
            return new StepPreview(null, new DryRunError(path, failure!.Category, failure.Message), null);
        }

        var headers = request.Headers.ToDictionary(h => h.Name, h => h.IsCredential ? RequestBuilder.Mask : h.Value, StringComparer.OrdinalIgnoreCase);
        if (request.ContentType is not null)
        {
            headers["Content-Type"] = request.ContentType;
        }

        var url = request.Url.OriginalString.Replace(Uri.EscapeDataString(RequestBuilder.Mask), RequestBuilder.Mask, StringComparison.Ordinal);
        var preview = new DryRunRequest(step.Id, request.Method, url, headers, request.Body is null ? null : JsonNode.Parse(request.Body));

        // Later steps see a placeholder: a dry run has no responses.
        return new StepPreview(preview, null, new JsonObject { ["status"] = null, ["ok"] = null, ["body"] = null, ["dryRun"] = true });
    }

    public async Task<StepOutcome> ExecuteAsync(string tenantId, CompiledHttpStep step, JsonObject scope, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        Connection? connection = null;
        string? secret = null;
        if (step.ConnectionId is not null)
        {
            connection = await connections.GetAsync(tenantId, step.ConnectionId, ct);
            if (connection is null)
            {
                return Failed(step, null, started, ErrorCategories.ConnectionMissing);
            }

            if (AuthTypes.IsOAuth2(connection.Auth.Type))
            {
                var token = await tokens.GetAsync(tenantId, connection, AttemptTimeout(step, pipelines.For(tenantId, connection).Policy), ct);
                if (token.Value is null)
                {
                    return Failed(step, connection, started, token.Category!);
                }

                secret = token.Value;
            }
            else if (connection.SecretCiphertext is not null)
            {
                try
                {
                    secret = await connections.RevealSecretAsync(tenantId, connection, ct);
                }
                catch (CryptographicException)
                {
                    return Failed(step, connection, started, ErrorCategories.SecretUnavailable);
                }
            }
        }

        var sentToken = connection is not null && AuthTypes.IsOAuth2(connection.Auth.Type) ? secret : null;
        var (request, failure) = RequestBuilder.Build(step, connection, secret, scope, limits);
        secret = null;
        if (request is null)
        {
            return Failed(step, connection, started, failure!.Category);
        }

        var pipeline = pipelines.For(tenantId, connection);
        var egressRequest = new EgressRequest(new HttpMethod(request.Method), request.Url)
        {
            Headers = request.Headers,
            Body = request.Body,
            ContentType = request.ContentType,
            Timeout = AttemptTimeout(step, pipeline.Policy),
            MaxResponseBytes = options.Value.MaxStepResponseBytes,
        };
        var retryable = HttpMethods.IsIdempotent(request.Method) || HasIdempotencyKey(request.Headers);
        var sent = await pipeline.SendAsync(http, egressRequest, retryable, ct);
        using var response = sent.Response;
        var category = sent.Category ?? (response is null ? ErrorCategories.ConnectionFailed : HttpResponseMapping.Categorize(response));
        if (sentToken is not null && response?.StatusCode == 401)
        {
            tokens.Invalidate(tenantId, connection!.Id, sentToken);
        }

        var record = new StepRecord(
            step.Id, CompiledHttpStep.KindName, connection?.Id, request.Method, request.Url.Host, response?.StatusCode, sent.Attempts,
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

    private static bool HasIdempotencyKey(IReadOnlyList<EgressHeader> headers)
    {
        foreach (var header in headers)
        {
            if (header.Name.Equals(HttpMethods.IdempotencyKeyHeader, StringComparison.OrdinalIgnoreCase) && header.Value.Length > 0)
            {
                return true;
            }
        }

        return false;
    }

    private StepOutcome Failed(CompiledHttpStep step, Connection? connection, long started, string category)
        => new(new StepRecord(step.Id, CompiledHttpStep.KindName, connection?.Id, step.Method, HostOf(connection), null, 0, 0, 0, Elapsed(started), RunStatus.Failed, category), null);

    private static string? HostOf(Connection? connection)
        => connection is not null && Uri.TryCreate(connection.BaseUrl, UriKind.Absolute, out var uri) ? uri.Host : null;

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;
}
