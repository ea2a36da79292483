namespace BluBees.Engine.Execution;

/// <summary>
/// The operational log of one run: metadata only. Never a header value, body, template output, secret or
/// IP address: the types here have no place to put one.
/// </summary>
public sealed record RunRecord(
    string Id,
    string RuleId,
    int RuleVersion,
    string Source,
    string? EventType,
    string? IssueId,
    string? IssueKey,
    DateTimeOffset StartedAt,
    long DurationMs,
    string Status,
    string? ErrorCategory,
    IReadOnlyList<StepRecord> Steps);

/// <summary>Metadata of one step of a run.</summary>
public sealed record StepRecord(
    string Id,
    string Type,
    string? ConnectionId,
    string? Method,
    string? Host,
    int? StatusCode,
    int Attempts,
    long BytesOut,
    long BytesIn,
    long DurationMs,
    string Status,
    string? ErrorCategory)
{
    /// <summary>Policy decisions and usage counters (retries, breaker, rate limit, tokens); null when there is nothing to report.</summary>
    public StepMetrics? Metrics { get; init; }

    /// <summary>Why the step did not run although the run went on: <c>if</c> (its condition was false). Not a failure.</summary>
    public string? SkippedBy { get; init; }

    /// <summary>An <c>if</c> block: the branch that ran, <c>then</c>, <c>else</c> or <c>none</c>.</summary>
    public string? Branch { get; init; }

    /// <summary>An <c>if</c> block: the records of the steps of the branch that ran.</summary>
    public IReadOnlyList<StepRecord>? Steps { get; init; }

    /// <summary>A <c>forEach</c>: iteration counts, and the first iterations in full (see <see cref="LoopRecord"/>).</summary>
    public LoopRecord? Loop { get; init; }

    /// <summary>
    /// The step's property whose value could not be built, when one did (<c>path</c>, <c>url</c>, <c>headers.X-Trace</c>,
    /// <c>query.q</c>, <c>body.ticket.points</c>, <c>fields.priority</c>, <c>issue</c>): a path of the rule's own names,
    /// shown as validation errors show them (a name that is not short and plain reads <c>(property)</c>), never a value.
    /// </summary>
    public string? FailedField { get; init; }

    /// <summary>A step property path fit for a run record (<see cref="FailedField"/>); null stays null.</summary>
    public static string? FieldName(string? field) => field is null ? null : Validation.ValidationErrors.SafePath(field);

    /// <summary>A step that did not get to send anything: skipped after an earlier failure, or failed before sending.</summary>
    public static StepRecord NotRun(ICompiledStep step, string status, string? errorCategory)
        => new(step.Id, step.Kind, step.ConnectionId, step.Method, null, null, 0, 0, 0, 0, status, errorCategory);
}

/// <summary>
/// Counters and policy decisions of one step. Numbers and flags only, never content: a prompt, a completion, a
/// header or a body has no place here. Each field is null when it does not apply to the step's kind.
/// </summary>
public sealed record StepMetrics
{
    /// <summary>Attempts beyond the first (resilience retries).</summary>
    public int? Retries { get; init; }

    /// <summary>The connection's circuit breaker was open, so the call was not attempted.</summary>
    public bool? CircuitOpen { get; init; }

    /// <summary>The call waited for, or was refused by, the connection's rate or concurrency limit.</summary>
    public bool? RateLimited { get; init; }

    /// <summary>AI steps: tokens the provider counted for the prompt and the completion.</summary>
    public int? InputTokens { get; init; }

    public int? OutputTokens { get; init; }

    /// <summary>Streaming transfers: bytes read from the source and written to the destination.</summary>
    public long? BytesTransferred { get; init; }

    /// <summary>Streaming transfers: the side that failed, <c>source</c> or <c>destination</c> (null on success).</summary>
    public string? FailedSide { get; init; }
}

public static class RunStatus
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Partial = "partial";
    public const string Skipped = "skipped";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Succeeded, Failed, Partial, Skipped };
}

/// <summary>Why a step or run failed, as a closed vocabulary (no free text that could carry data).</summary>
public static class ErrorCategories
{
    public const string Timeout = "timeout";
    public const string Refused = "refused";
    public const string BlockedDestination = "blocked_destination";
    public const string Http4xx = "http_4xx";
    public const string Http5xx = "http_5xx";
    public const string TemplateError = "template_error";
    public const string ConditionError = "condition_error";
    public const string ConnectionMissing = "connection_missing";
    public const string CredentialScope = "credential_scope";
    public const string SecretUnavailable = "secret_unavailable";
    public const string ResponseTooLarge = "response_too_large";
    public const string TooManyRedirects = "too_many_redirects";
    public const string InvalidUrl = "invalid_url";
    public const string ConnectionFailed = "connection_failed";
    public const string InternalError = "internal_error";
    public const string RuleInvalid = "rule_invalid";

    /// <summary>The run's template/condition work or time budget (<c>TemplateBudget</c> options) was used up.</summary>
    public const string TemplateBudgetExceeded = "template_budget_exceeded";

    /// <summary>A Jira action had no Forge system token to act with (the triggering call carried none); nothing was sent.</summary>
    public const string SystemTokenMissing = "system_token_missing";

    /// <summary>The rule was stopped because it would re-trigger itself (see docs/architecture.md, "Loop detection").</summary>
    public const string LoopStopped = "loop_stopped";

    /// <summary>Jira: still rate-limited (429) after the bounded retries, or asked to wait longer than allowed. Connections:
    /// the connection's concurrency or rate-limit queue was full, so the call was not attempted.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>A <c>jira.create</c> field given by name matched no field of the site, or several.</summary>
    public const string FieldNotFound = "field_not_found";

    /// <summary>A manual run's issue could not be read: Jira answered 404 (the issue does not exist, or the app may not see it); no step ran.</summary>
    public const string JiraIssueNotFound = "jira_issue_not_found";

    /// <summary>A Jira transition named by the step is not available for the issue.</summary>
    public const string TransitionNotFound = "transition_not_found";

    /// <summary>A Jira step's issue key/id rendered empty or malformed (e.g. a scheduled rule with no issue).</summary>
    public const string IssueMissing = "issue_missing";

    /// <summary>A transfer's Jira attachment id rendered empty or not a number (e.g. the issue has no attachment); nothing was sent.</summary>
    public const string AttachmentMissing = "attachment_missing";

    /// <summary>The step's connection exists but cannot serve the step (e.g. an <c>ai.chat</c> step on a connection without a provider).</summary>
    public const string ConnectionMismatch = "connection_mismatch";

    /// <summary>
    /// The step's connection was saved by a later build of BluBees (after a rollback) and this build cannot read it: its
    /// credentials and hosts are not guessed at, so nothing was sent. Open the connection and save it again.
    /// </summary>
    public const string ConnectionSavedByNewerVersion = "connection_saved_by_newer_version";

    /// <summary>An AI step asked for structured output and the completion was not JSON matching the schema. Never repaired.</summary>
    public const string AiInvalidOutput = "ai_invalid_output";

    /// <summary>The AI provider answered 2xx with something that is not its documented response format.</summary>
    public const string AiProviderError = "ai_provider_error";

    /// <summary>The OAuth 2.0 token endpoint refused the grant (4xx, or an answer without a bearer token).</summary>
    public const string OAuthTokenRejected = "oauth_token_rejected";

    /// <summary>The OAuth 2.0 token endpoint could not be reached or failed (network, timeout, 5xx, 429).</summary>
    public const string OAuthTokenUnavailable = "oauth_token_unavailable";

    /// <summary>The connection's circuit breaker was open: the call was not attempted.</summary>
    public const string CircuitOpen = "circuit_open";

    /// <summary>A redirect to another origin was refused: the request carried a stored secret or a body (see docs/security.md, "Redirects").</summary>
    public const string RedirectRefused = "redirect_refused";

    /// <summary>Every slot of the connection's bulkhead was busy (and its short queue full): the call was not attempted.</summary>
    public const string BulkheadFull = "bulkhead_full";

    /// <summary>The queued message was delivered to the worker too often, or waited too long, and was not run again.</summary>
    public const string DeliveryExhausted = "delivery_exhausted";

    /// <summary>The run was stopped by the shutdown drain deadline; its message stays queued and runs again on the next start.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// The event's runs passed the embedded worker's run deadline (<c>Runs:RunDeadlineSeconds</c>): the rule running
    /// then was stopped and the rules not reached did not run; the event is not run again.
    /// </summary>
    public const string RunDeadlineExceeded = "run_deadline_exceeded";

    /// <summary>A <c>forEach</c>'s <c>items</c> path resolved to nothing (no such field, or an earlier step without that output).</summary>
    public const string ItemsMissing = "items_missing";

    /// <summary>A <c>forEach</c>'s <c>items</c> path resolved to a value that is not a list.</summary>
    public const string ItemsNotList = "items_not_list";

    /// <summary>The run started as many step executions as one run may (nested ones included); the rest did not run.</summary>
    public const string StepLimitExceeded = "step_limit_exceeded";

    /// <summary>
    /// The step's output would have taken the run past the data it may hold in memory (<c>Runs:MaxRunDataBytes</c>:
    /// the event and the outputs kept for later steps); the step ran, but its output was not kept.
    /// </summary>
    public const string RunDataBudgetExceeded = "run_data_budget_exceeded";

    /// <summary>
    /// A transfer side answered neither a success (2xx) nor an error (4xx/5xx): a redirect the guard does not follow
    /// (300, 304, a 3xx without a usable Location). Its body is not the resource, so it is never copied or reported as a
    /// completed upload.
    /// </summary>
    public const string UnexpectedStatus = "unexpected_status";

}
