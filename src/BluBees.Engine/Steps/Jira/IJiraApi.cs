using System.Text.Json.Nodes;
using Refit;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// The Jira Cloud REST endpoints the Jira steps use, relative to the tenant's <c>apiBaseUrl</c>. Every call carries
/// the Forge system token, the run's trace id and a <see cref="JiraCallTally"/> that the egress handler fills.
/// </summary>
internal interface IJiraApi
{
    [Get("/rest/api/3/issue/{issueIdOrKey}")]
    Task<IApiResponse<JsonObject>> GetIssueAsync(
        string issueIdOrKey, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Post("/rest/api/3/issue/{issueIdOrKey}/comment")]
    Task<IApiResponse<JsonObject>> AddCommentAsync(
        string issueIdOrKey, [Body] JsonObject comment, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Put("/rest/api/3/issue/{issueIdOrKey}")]
    Task<IApiResponse> EditIssueAsync(
        string issueIdOrKey, [Body] JsonObject edit, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Get("/rest/api/3/issue/{issueIdOrKey}/transitions")]
    Task<IApiResponse<JiraTransitions>> GetTransitionsAsync(
        string issueIdOrKey, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Post("/rest/api/3/issue/{issueIdOrKey}/transitions")]
    Task<IApiResponse> TransitionAsync(
        string issueIdOrKey, [Body] JsonObject transition, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Post("/rest/api/3/issue")]
    Task<IApiResponse<JsonObject>> CreateIssueAsync(
        [Body] JsonObject issue, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Put("/rest/api/3/issue/{issueIdOrKey}/assignee")]
    Task<IApiResponse> AssignAsync(
        string issueIdOrKey, [Body] JsonObject assignee, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    [Post("/rest/api/3/issueLink")]
    Task<IApiResponse> LinkAsync(
        [Body] JsonObject link, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    /// <summary>The enhanced JQL search, paged by <c>nextPageToken</c> (the older <c>/rest/api/3/search</c> is removed).</summary>
    [Post("/rest/api/3/search/jql")]
    Task<IApiResponse<JsonObject>> SearchAsync(
        [Body] JsonObject query, [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);

    /// <summary>Every field (system and custom) with its id and name, for <c>jira.create</c>'s fields given by name.</summary>
    [Get("/rest/api/3/field")]
    Task<IApiResponse<JsonArray>> GetFieldsAsync(
        [Authorize("Bearer")] string token, [Header(JiraTrace.Header)] string trace,
        [Property(JiraCallTally.Key)] JiraCallTally tally, CancellationToken ct);
}

/// <summary><c>{"transitions": [{"id": "31", "name": "Done"}]}</c></summary>
internal sealed record JiraTransitions(IReadOnlyList<JiraTransition>? Transitions);

internal sealed record JiraTransition(string? Id, string? Name);

/// <summary>Source-generated serialization for the Jira client (no reflection).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonArray))]
[System.Text.Json.Serialization.JsonSerializable(typeof(JiraTransitions))]
internal sealed partial class JiraJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
