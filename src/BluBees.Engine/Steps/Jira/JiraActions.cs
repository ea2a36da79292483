using System.Net;
using System.Text.Json.Nodes;
using BluBees.Engine.Egress;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Runs the Jira action steps on the site that sent the event, with the Forge system token: render, call through
/// the guarded Refit client, honour <c>Retry-After</c> on a 429 or 503 (bounded, on the injected clock), retry a 401/403 shortly
/// after install (bounded backoff, see <see cref="JiraInstallGrace"/>), record metadata only.
/// </summary>
internal sealed partial class JiraActions(
    JiraSite site, TimeProvider time, TemplateLimits limits, IOptions<JiraActionOptions> options, IOptions<RunOptions> runOptions,
    JiraInstallGrace installGrace, ILogger<JiraActions> logger)
{
    public async Task<StepOutcome> ExecuteAsync(StepRun run, CompiledJiraStep step, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var totals = new JiraStepTotals();
        if (string.IsNullOrEmpty(run.SystemToken))
        {
            return Outcome(step, null, started, totals, ErrorCategories.SystemTokenMissing, null);
        }

        if (site.BaseUrl(run.Tenant.ApiBaseUrl) is not { } baseUrl)
        {
            return Outcome(step, null, started, totals, ErrorCategories.InvalidUrl, null);
        }

        var (request, failure) = JiraRequestBuilder.Build(step, run.Scope, limits);
        if (request is null)
        {
            return Outcome(step, baseUrl.Host, started, totals, failure!.Category, null, failure.Field);
        }

        var api = site.Client(baseUrl);
        var call = new JiraCall(api, request.Issue, run.SystemToken, run.Trace ?? JiraTrace.New(null), run.TenantId);
        var (category, output) = step.Kind switch
        {
            CompiledJiraStep.FetchKind => await FetchAsync(call, totals, ct),
            CompiledJiraStep.CommentKind => await WriteAsync(call, t => call.Api.AddCommentAsync(call.Issue, request.Body!, call.Token, call.Trace, t, ct), totals, ct),
            CompiledJiraStep.EditKind => await WriteAsync(call, t => call.Api.EditIssueAsync(call.Issue, request.Body!, call.Token, call.Trace, t, ct), totals, ct),
            CompiledJiraStep.AssignKind => await WriteAsync(call, t => call.Api.AssignAsync(call.Issue, request.Body!, call.Token, call.Trace, t, ct), totals, ct),
            CompiledJiraStep.LinkKind => await WriteAsync(call, t => call.Api.LinkAsync(request.Body!, call.Token, call.Trace, t, ct), totals, ct),
            CompiledJiraStep.CreateKind => await CreateAsync(call, request, totals, ct),
            CompiledJiraStep.SearchKind => await SearchAsync(call, request, step.More.MaxResults, totals, ct),
            _ => await TransitionAsync(call, request, totals, ct),
        };
        totals.RefusedField = JiraRefusal.SentOnly(step, request, totals.RefusedField);
        return Outcome(step, baseUrl.Host, started, totals, category, output);
    }

    private async Task<(string? Category, JsonObject? Output)> FetchAsync(JiraCall call, JiraStepTotals totals, CancellationToken ct)
    {
        var (response, category) = await SendAsync(call, t => call.Api.GetIssueAsync(call.Issue, call.Token, call.Trace, t, ct), totals, ct);
        using (response)
        {
            var issue = category is null ? response?.Content : null;
            if (category is null && issue is null)
            {
                category = ErrorCategories.Http5xx; // 2xx without a readable issue
            }

            return (category, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = category is null, ["issue"] = issue });
        }
    }

    private async Task<(string? Category, JsonObject? Output)> WriteAsync<TResponse>(
        JiraCall call, Func<JiraCallTally, Task<TResponse>> send, JiraStepTotals totals, CancellationToken ct) where TResponse : class, IApiResponse
    {
        var (response, category) = await SendAsync(call, send, totals, ct);
        using (response)
        {
            var body = category is null && response is IApiResponse<JsonObject> { Content: { } content } ? content : null;
            return (category, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = category is null, ["body"] = body });
        }
    }

    private async Task<(string? Category, JsonObject? Output)> TransitionAsync(JiraCall call, JiraRequest request, JiraStepTotals totals, CancellationToken ct)
    {
        var body = request.Body;
        if (request.TransitionName is { } name)
        {
            var (response, category) = await SendAsync(call, t => call.Api.GetTransitionsAsync(call.Issue, call.Token, call.Trace, t, ct), totals, ct);
            using (response)
            {
                if (category is not null)
                {
                    return (category, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = false });
                }

                var match = response?.Content?.Transitions?.FirstOrDefault(t => string.Equals(t.Name?.Trim(), name, StringComparison.OrdinalIgnoreCase));
                if (match?.Id is not { Length: > 0 } id)
                {
                    LogTransitionNotFound(logger, response?.Content?.Transitions?.Count ?? 0);
                    return (ErrorCategories.TransitionNotFound, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = false });
                }

                body = JiraRequestBuilder.TransitionBody(id);
            }
        }

        return await WriteAsync(call, t => call.Api.TransitionAsync(call.Issue, body!, call.Token, call.Trace, t, ct), totals, ct);
    }

    /// <summary>
    /// One call with bounded retries on 429, and on 401/403 shortly after install; returns the final response (to
    /// dispose) and the failure category, if any.
    /// </summary>
    private async Task<(TResponse? Response, string? Category)> SendAsync<TResponse>(
        JiraCall call, Func<JiraCallTally, Task<TResponse>> send, JiraStepTotals totals, CancellationToken ct) where TResponse : class, IApiResponse
    {
        var settings = options.Value;
        var authAttempt = 1;
        for (var attempt = 1; ; attempt++)
        {
            var tally = new JiraCallTally(TimeSpan.FromSeconds(settings.ActionTimeoutSeconds), runOptions.Value.MaxStepResponseBytes);
            TResponse? response = null;
            try
            {
                response = await send(tally);
            }
            catch (Exception e) when (e is HttpRequestException or ApiException || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                // The tally says what happened; the exception's message is not kept (it is not needed, and safe only by convention).
            }

            totals.Add(tally);
            if (response is null || !response.IsReceived || tally.Failure != EgressFailure.None)
            {
                response?.Dispose();
                return (null, Categorize(tally.Failure));
            }

            var status = (int)response.StatusCode;
            totals.StatusCode = status;
            if (status is (int)HttpStatusCode.Unauthorized or (int)HttpStatusCode.Forbidden
                && authAttempt < settings.MaxAuthAttempts && await installGrace.IsFreshAsync(call.TenantId, ct))
            {
                // Right after install the app's grants may not be usable yet: wait 2, 4, 8… s on the clock and try again.
                var backoff = TimeSpan.FromSeconds(Math.Pow(2, authAttempt));
                response.Dispose();
                LogAuthRetry(logger, status, authAttempt, (long)backoff.TotalSeconds);
                authAttempt++;
                attempt--; // the 429 budget is separate
                totals.Retries++;
                await Task.Delay(backoff, time, ct);
                continue;
            }

            // "Some transient 5XX errors are accompanied by a Retry-After header. For example, a 503 response may be
            // returned when a resource limit has been reached. While these are not rate limit responses, they can be
            // handled with similar logic" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
            var transient = status == (int)HttpStatusCode.ServiceUnavailable && response.Headers?.RetryAfter is not null;
            if (status != (int)HttpStatusCode.TooManyRequests && !transient)
            {
                // Only a 2xx is Jira doing what was asked: a 3xx the guard did not follow (300, 304, a redirect without a
                // usable Location) is no write and no answer, never a step reported ok.
                totals.RefusedField = status is >= 400 and < 500 ? JiraRefusal.FieldOf(response) : null;
                return (response, EgressCategories.OfFinalStatus(status));
            }

            totals.RateLimited |= !transient;
            var wait = RetryAfter(response, attempt);
            response.Dispose();
            // Nor a wait the run's deadline would cut (Execution.RunDeadline, as for connections): cut, the run would be
            // recorded cancelled and delivered again into the same 429.
            if (attempt >= settings.MaxAttempts || wait > TimeSpan.FromSeconds(settings.MaxRetryAfterSeconds)
                || RunDeadline.Current is { } deadline && time.GetUtcNow() + wait >= deadline)
            {
                LogRateLimited(logger, status, attempt, (long)wait.TotalSeconds);
                return (null, transient ? ErrorCategories.Http5xx : ErrorCategories.RateLimited);
            }

            totals.Retries++;
            await Task.Delay(wait, time, ct);
        }
    }

    /// <summary>Jira's <c>Retry-After</c> (seconds or a date), else its <c>X-RateLimit-Reset</c>; without either, 1, 2, 4… seconds.</summary>
    private TimeSpan RetryAfter(IApiResponse response, int attempt)
    {
        var header = JiraRetryAfter.Of(response.Headers);
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : TimeSpan.FromSeconds(Math.Pow(2, attempt - 1)));
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static string Categorize(EgressFailure failure) => EgressCategories.Of(failure) ?? ErrorCategories.ConnectionFailed;

    private StepOutcome Outcome(CompiledJiraStep step, string? host, long started, JiraStepTotals totals, string? category, JsonObject? output, string? failedField = null)
    {
        var record = new StepRecord(
            step.Id, step.Kind, null, step.Method, host, totals.StatusCode, totals.Attempts, totals.BytesOut, totals.BytesIn,
            (long)time.GetElapsedTime(started).TotalMilliseconds, category is null ? RunStatus.Succeeded : RunStatus.Failed, category)
        {
            Metrics = totals.Attempts == 0 ? null : new StepMetrics { Retries = totals.Retries, RateLimited = totals.RateLimited },
            FailedField = StepRecord.FieldName(failedField ?? (category is null ? null : JiraRefusal.AsStepField(step, totals.RefusedField))),
        };
        return new StepOutcome(record, output);
    }

    private sealed record JiraCall(IJiraApi Api, string Issue, string Token, string Trace, Storage.TenantId TenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jira answered {StatusCode} shortly after install (attempt {Attempt}); retrying in {DelaySeconds} s")]
    private static partial void LogAuthRetry(ILogger logger, int statusCode, int attempt, long delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jira kept answering {StatusCode} after {Attempts} attempts (Retry-After {RetryAfterSeconds} s); step failed")]
    private static partial void LogRateLimited(ILogger logger, int statusCode, int attempts, long retryAfterSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "No Jira transition of the requested name among {TransitionCount} available")]
    private static partial void LogTransitionNotFound(ILogger logger, int transitionCount);
}
