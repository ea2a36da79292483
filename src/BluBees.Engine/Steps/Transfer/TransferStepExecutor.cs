using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Credentials;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Egress;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Storage;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Transfer;

/// <summary>
/// Runs a transfer step: opens the source response as a stream (guarded, capped, timed), then sends it as the
/// destination's request body through one pooled buffer. Nothing is buffered whole and nothing touches disk.
/// Either side failing ends the other: a broken source aborts the destination request; a failed destination
/// disposes the source response, which closes its connection. A Jira attachment source is the same stream, opened
/// with the run's Forge system token on the event's site (see <see cref="JiraAttachmentSource"/>).
/// Credentials come from the <see cref="ICredentialSource"/> (an OAuth 2.0 side sends its access token); each side's
/// connection lends one slot of its bulkhead for the whole transfer; the destination request carries an
/// <c>Idempotency-Key</c> unless the step sets its own; the record names configured hosts only.
/// </summary>
internal sealed class TransferStepExecutor(
    ConnectionService connections, ICredentialSource credentials, ConnectionPipelines pipelines, GuardedHttpClient http,
    TimeProvider time, TemplateLimits limits,
    IOptions<TransferOptions> transferOptions, IOptions<RunOptions> runOptions, IOptions<JiraActionOptions> jiraOptions,
    ILogger<TransferStepExecutor> logger) : IStepExecutor
{
    private readonly TransferSides _sides = new(connections, credentials, limits);

    public string Kind => CompiledTransferStep.KindName;

    public Task<StepOutcome> ExecuteAsync(StepRun run, ICompiledStep step, CancellationToken ct)
        => ExecuteAsync(run, (CompiledTransferStep)step, ct);

    public Task<StepPreview> PreviewAsync(TenantId tenantId, ICompiledStep step, JsonObject scope, string path, CancellationToken ct)
        => PreviewAsync(tenantId, (CompiledTransferStep)step, scope, path, ct);

    private async Task<StepOutcome> ExecuteAsync(StepRun run, CompiledTransferStep step, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var source = step.JiraAttachment is { } attachment
            ? JiraAttachmentSource.Prepare(attachment, run, jiraOptions.Value.ApiBaseUrlOverride, limits)
            : await _sides.PrepareAsync(run.TenantId, step.Source!, run.Scope, preview: false, step.Timeout, ct);
        if (source.Request is null)
        {
            return NotSent(step, started, TransferCategories.Source, source.Category!, source.Host);
        }

        var destination = await _sides.PrepareAsync(run.TenantId, step.Destination, run.Scope, preview: false, step.Timeout, ct);
        if (destination.Request is null)
        {
            return NotSent(step, started, TransferCategories.Destination, destination.Category!, destination.Host);
        }

        // One bulkhead slot per connection involved (one when both sides share it), held for the whole copy.
        using var sourceSlot = await EnterAsync(run.TenantId, source.Connection, ct);
        if (sourceSlot is null)
        {
            return NotSent(step, started, TransferCategories.Source, ErrorCategories.BulkheadFull, source.Host);
        }

        using var destinationSlot = destination.Connection?.Id == source.Connection?.Id ? NoSlot.Instance : await EnterAsync(run.TenantId, destination.Connection, ct);
        if (destinationSlot is null)
        {
            return NotSent(step, started, TransferCategories.Destination, ErrorCategories.BulkheadFull, destination.Host);
        }

        var cap = transferOptions.Value.CapFor(step.MaxBytes);
        await using var from = await http.SendAsync(
            new EgressRequest(new HttpMethod(source.Request.Method), source.Request.Url)
            {
                Headers = source.Request.Headers,
                Timeout = step.Timeout,
                MaxResponseBytes = cap,
                BufferResponse = false,
                Label = source.Host,
                CredentialScope = source.Request.CredentialScope,
                CredentialParameter = source.Request.CredentialParameter,
            },
            ct);
        Rejected(run.TenantId, source, from);
        if (TransferCategories.Of(from) is { } sourceCategory)
        {
            return Failed(step, started, TransferCategories.Source, sourceCategory, source.Host, from.StatusCode, from.BytesIn, 0);
        }

        // A Content-Type the destination sets itself wins over the source's.
        var headers = IdempotencyKeys.With(destination.Request.Headers, run, step.Id).ToList();
        var contentType = headers.Find(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value ?? from.ContentType;
        headers.RemoveAll(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));
        var body = new TransferBody(
            from.BodyStream!, from.ContentLength,
            contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed : null);
        var remaining = step.Timeout - time.GetElapsedTime(started);
        using var to = await http.SendAsync(
            new EgressRequest(new HttpMethod(destination.Request.Method), destination.Request.Url)
            {
                Headers = headers,
                ContentFactory = body.CreateContent,
                // The upload's own answer decides: a redirect of it (any 3xx) is unexpected_status, never followed.
                Redirects = RedirectHandling.None,
                Timeout = remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1),
                MaxResponseBytes = runOptions.Value.MaxStepResponseBytes,
                Label = destination.Host,
                CredentialScope = destination.Request.CredentialScope,
                CredentialParameter = destination.Request.CredentialParameter,
            },
            ct);
        Rejected(run.TenantId, destination, to);

        var host = destination.Host;
        if (body.SourceFailure is { } broken)
        {
            return Failed(step, started, TransferCategories.Source, TransferCategories.Of(broken), source.Host, from.StatusCode, from.BytesIn, body.BytesWritten);
        }

        if (TransferCategories.Of(to) is { } destinationCategory)
        {
            return Failed(step, started, TransferCategories.Destination, destinationCategory, host, to.StatusCode, from.BytesIn, body.BytesWritten);
        }

        if (!body.Completed)
        {
            // The destination answered before it had the whole body: the copy is incomplete whatever it says.
            return Failed(step, started, TransferCategories.Destination, ErrorCategories.ConnectionFailed, host, to.StatusCode, from.BytesIn, body.BytesWritten);
        }

        var duration = Elapsed(started);
        TransferLog.Completed(logger, step.Id, body.BytesWritten, duration);
        var record = new StepRecord(
            step.Id, Kind, step.ConnectionId, destination.Request.Method, host, to.StatusCode, 1, body.BytesWritten, from.BytesIn, duration, RunStatus.Succeeded, null)
        {
            Metrics = new StepMetrics { BytesTransferred = body.BytesWritten },
        };
        var output = new JsonObject
        {
            ["status"] = to.StatusCode,
            ["ok"] = true,
            ["bytes"] = body.BytesWritten,
            ["contentType"] = contentType,
            ["body"] = TransferResponseBody.Parse(to),
        };
        return new StepOutcome(record, output) { OutputBytes = to.Body.Length }; // the file itself is not kept
    }

    private async Task<StepPreview> PreviewAsync(TenantId tenantId, CompiledTransferStep step, JsonObject scope, string path, CancellationToken ct)
    {
        JsonObject streamedFrom;
        if (step.JiraAttachment is { } attachment)
        {
            var (request, failure) = JiraAttachmentSource.Preview(attachment, scope, jiraOptions.Value.ApiBaseUrlOverride, limits);
            if (request is null)
            {
                return new StepPreview(null, new DryRunError(path + ".source", failure!.Category!, failure.Message!), null);
            }

            streamedFrom = request;
        }
        else
        {
            var source = await _sides.PrepareAsync(tenantId, step.Source!, scope, preview: true, step.Timeout, ct);
            if (source.Request is null)
            {
                return new StepPreview(null, new DryRunError(path + ".source", source.Category!, source.Message!), null);
            }

            var (sourceUrl, sourceHeaders) = TransferSides.Masked(source.Request);
            streamedFrom = new JsonObject { ["method"] = source.Request.Method, ["url"] = sourceUrl, ["headers"] = ToJson(sourceHeaders) };
        }

        var destination = await _sides.PrepareAsync(tenantId, step.Destination, scope, preview: true, step.Timeout, ct);
        if (destination.Request is null)
        {
            return new StepPreview(null, new DryRunError(path + ".destination", destination.Category!, destination.Message!), null);
        }

        // The request shown is the destination's; its body is whatever the source answers, described here.
        var (url, headers) = TransferSides.Masked(destination.Request);
        if (!IdempotencyKeys.Has(destination.Request.Headers))
        {
            headers[IdempotencyKeys.Header] = "(one per event and step)";
        }

        var preview = new DryRunRequest(step.Id, destination.Request.Method, url, headers, new JsonObject
        {
            ["streamedFrom"] = streamedFrom,
            ["maxBytes"] = transferOptions.Value.CapFor(step.MaxBytes),
        });
        return new StepPreview(preview, null, new JsonObject { ["status"] = null, ["ok"] = null, ["bytes"] = null, ["body"] = null, ["dryRun"] = true });
    }

    /// <summary>A failure before any request went out (missing connection, secret, template): no attempt.</summary>
    private StepOutcome NotSent(CompiledTransferStep step, long started, string side, string category, string? host)
        => Failed(step, started, side, category, host, null, 0, 0, attempts: 0);

    private StepOutcome Failed(
        CompiledTransferStep step, long started, string side, string category, string? host, int? status, long bytesIn, long bytesOut, int attempts = 1)
    {
        TransferLog.Failed(logger, step.Id, side, category, bytesOut);
        var record = new StepRecord(step.Id, Kind, step.ConnectionId, step.Method, host, status, attempts, bytesOut, bytesIn, Elapsed(started), RunStatus.Failed, category)
        {
            Metrics = new StepMetrics { BytesTransferred = bytesOut, FailedSide = side },
        };
        return new StepOutcome(record, null);
    }

    private static JsonObject ToJson(Dictionary<string, string> pairs)
    {
        var json = new JsonObject();
        foreach (var (name, value) in pairs)
        {
            json[name] = value;
        }

        return json;
    }

    /// <summary>A slot of the connection's bulkhead; a side without a connection needs none.</summary>
    private async ValueTask<IDisposable?> EnterAsync(TenantId tenantId, Connection? connection, CancellationToken ct)
        => connection is null ? NoSlot.Instance : await pipelines.For(tenantId, connection).EnterAsync(ct);

    /// <summary>
    /// A 401 drops the OAuth access token the side sent, so the next run fetches a fresh one; not one from a URL outside the connection's
    /// base URL (another origin, another path) a redirect led to, which never got the token.
    /// </summary>
    private void Rejected(TenantId tenantId, PreparedSide side, EgressResponse response)
    {
        if (response is { StatusCode: 401, LeftCredentialScope: false } && side.Credential is { } credential && side.Connection is { } connection)
        {
            credentials.Rejected(tenantId, connection, credential);
        }
    }

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;
}
