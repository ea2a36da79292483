using System.Text.Json.Nodes;
using BluBees.Engine.Conditions;
using BluBees.Engine.Steps.Transfer;

namespace BluBees.Engine.Steps;

/// <summary>
/// One step. Type <c>http</c>: a request to a connection (path) or an absolute URL template. Types <c>jira.*</c>:
/// an action on the Jira site that sent the event (<see cref="Issue"/>, <see cref="Body"/> for a comment,
/// <see cref="Fields"/> for an edit, <see cref="Transition"/> or <see cref="TransitionId"/>). Type <c>ai.chat</c>:
/// a chat completion through an AI provider connection (model, system, prompt, temperature, maxTokens, schema). Type <c>transfer</c>:
/// <see cref="Source"/>'s response body streamed into <see cref="Destination"/>'s request, at most <see cref="MaxBytes"/>.
/// </summary>
public sealed record StepDefinition
{
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? Connection { get; init; }
    public string? Method { get; init; }
    public string? Path { get; init; }
    public string? Url { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public IReadOnlyDictionary<string, string>? Query { get; init; }
    public JsonNode? Body { get; init; }
    public int? TimeoutSeconds { get; init; }
    public string? OnError { get; init; }

    /// <summary>Jira steps: the issue key or id (a template); default: the event's issue.</summary>
    public string? Issue { get; init; }

    /// <summary><c>jira.edit</c>: field id to value; string leaves are templates.</summary>
    public JsonObject? Fields { get; init; }

    /// <summary><c>jira.transition</c>: the transition's name (a template), looked up on the issue.</summary>
    public string? Transition { get; init; }

    /// <summary><c>jira.transition</c>: the transition's id (a template).</summary>
    public string? TransitionId { get; init; }

    /// <summary><c>jira.edit</c>: multi-value changes, field to one operation or a list: <c>{"labels": [{"add": "x"}, {"remove": "y"}]}</c>.</summary>
    public JsonObject? Update { get; init; }

    /// <summary><c>jira.create</c>: the project key (a template); default: the event's project.</summary>
    public string? Project { get; init; }

    /// <summary><c>jira.create</c>: the issue type's name (a template), e.g. Task or Sub-task.</summary>
    public string? IssueType { get; init; }

    /// <summary><c>jira.create</c>: the parent issue (a template), for a sub-task.</summary>
    public string? Parent { get; init; }

    /// <summary><c>jira.assign</c>: the account id (a template); empty unassigns, <c>-1</c> is the project's default.</summary>
    public string? Assignee { get; init; }

    /// <summary><c>jira.link</c>: the link type's name (a template), e.g. Blocks or Relates.</summary>
    public string? LinkType { get; init; }

    /// <summary><c>jira.link</c>: Jira's <c>inwardIssue</c> (a template); default: the event's issue.</summary>
    public string? InwardIssue { get; init; }

    /// <summary><c>jira.link</c>: Jira's <c>outwardIssue</c> (a template); default: the event's issue.</summary>
    public string? OutwardIssue { get; init; }

    /// <summary><c>jira.search</c>: the JQL (a template).</summary>
    public string? Jql { get; init; }

    /// <summary><c>jira.search</c>: the fields each result carries (default summary, status, issuetype, assignee).</summary>
    public IReadOnlyList<string>? Select { get; init; }

    /// <summary><c>jira.search</c>: the most results kept, 1–1000 (default 50); more are not fetched.</summary>
    public int? MaxResults { get; init; }

    /// <summary>ai.chat: the provider's model id.</summary>
    public string? Model { get; init; }

    /// <summary>ai.chat: the system prompt template.</summary>
    public string? System { get; init; }

    /// <summary>ai.chat: the user prompt template.</summary>
    public string? Prompt { get; init; }

    public double? Temperature { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>ai.chat: a JSON schema (object root) for structured output.</summary>
    public JsonNode? Schema { get; init; }

    /// <summary>transfer: the request whose response body is streamed.</summary>
    public TransferEndpointDefinition? Source { get; init; }

    /// <summary>transfer: the request that receives the body.</summary>
    public TransferEndpointDefinition? Destination { get; init; }

    /// <summary>transfer: the body's size cap, bounded by the operator's Transfer:MaxBytes.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>
    /// Any step: a condition (the <c>conditions</c> grammar) over the run scope, earlier steps' outputs included; false
    /// skips the step. Type <c>if</c>: the condition that picks <see cref="Then"/> or <see cref="Else"/>.
    /// </summary>
    public ConditionNode? If { get; init; }

    /// <summary>Type <c>if</c>: the steps run when <see cref="If"/> holds (at least one).</summary>
    public IReadOnlyList<StepDefinition>? Then { get; init; }

    /// <summary>Type <c>if</c>: the steps run when it does not (optional).</summary>
    public IReadOnlyList<StepDefinition>? Else { get; init; }

    /// <summary>Type <c>forEach</c>: a scope path (not a template) to a JSON array, e.g. <c>steps.search.issues</c>.</summary>
    public string? Items { get; init; }

    /// <summary>Type <c>forEach</c>: the most items run, 1–1000 (default 100); the rest are counted as cut.</summary>
    public int? Limit { get; init; }

    /// <summary>Type <c>forEach</c>: iterations run at once, 1–10 (default 1).</summary>
    public int? Parallelism { get; init; }

    /// <summary>Type <c>forEach</c>: the steps run for each item, with <c>item</c> and <c>index</c> in scope.</summary>
    public IReadOnlyList<StepDefinition>? Steps { get; init; }
}
