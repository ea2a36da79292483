using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Configuration section <c>Jira</c> (shared with the API's permission check): how Jira action steps call the
/// tenant's site, retry when rate-limited, and stop rules that re-trigger themselves.
/// </summary>
public sealed class JiraActionOptions
{
    public const string Section = "Jira";

    /// <summary>
    /// Tests and local development only: send Jira calls here instead of the <c>apiBaseUrl</c> of the verified token
    /// (a fake Jira on loopback). The same key points the permission check there, and the API's <c>JiraOptions</c>
    /// validates it at start-up (validating it twice would report it twice). Never set it in production.
    /// </summary>
    public string? ApiBaseUrlOverride { get; set; }

    /// <summary>Timeout of one Jira action call.</summary>
    [Range(1, 60)]
    public int ActionTimeoutSeconds { get; set; } = 20;

    /// <summary>Attempts per call when Jira answers 429 (1: no retry).</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Longest <c>Retry-After</c> a step waits; a longer one fails the step as <c>rate_limited</c>.</summary>
    [Range(0, 300)]
    public int MaxRetryAfterSeconds { get; set; } = 60;

    /// <summary>
    /// A 401 or 403 from Jira within this many seconds of the tenant's install is retried (the installation's grants may
    /// not be usable yet); 0 turns this off.
    /// </summary>
    [Range(0, 86_400)]
    public int InstallGraceSeconds { get; set; } = 900;

    /// <summary>Attempts per call when Jira answers 401/403 within <see cref="InstallGraceSeconds"/> (1: no retry); waits 2, 4, 8… s.</summary>
    [Range(1, 6)]
    public int MaxAuthAttempts { get; set; } = 4;

    /// <summary>Loop guard: the window over which runs of one rule on one issue (from events) are counted.</summary>
    [Range(1, 86_400)]
    public int LoopWindowSeconds { get; set; } = 300;

    /// <summary>Loop guard: the most runs of one rule with Jira writes on one issue within the window.</summary>
    [Range(1, 1000)]
    public int LoopMaxRuns { get; set; } = 10;

    /// <summary>
    /// Loop guard: the longest chain of runs each caused by the previous one's Jira write (the event carries back its
    /// trace), whatever the rules and issues. Counting per rule and issue misses a chain that moves to a new issue at
    /// every step (A creates an issue, B reacts to it by creating another, A to that one…).
    /// </summary>
    [Range(1, 1000)]
    public int LoopMaxChain { get; set; } = 10;
}

/// <summary>Source-generated validation of <see cref="JiraActionOptions"/> (its attributes), run at start.</summary>
[OptionsValidator]
internal sealed partial class JiraActionOptionsValidator : IValidateOptions<JiraActionOptions>;
