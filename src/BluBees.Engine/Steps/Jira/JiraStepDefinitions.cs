using System.Text.Json.Nodes;

namespace BluBees.Engine.Steps.Jira;

// The Jira kinds' definitions, one record per kind so that each kind's fields are its own (the foreign-field check and
// the OpenAPI schema read them from the record). They act on the site that sent the event.

/// <summary>A Jira kind that acts on one issue: <see cref="Issue"/>, the issue key or id (a template); default: the event's issue.</summary>
public abstract record JiraIssueStepDefinition : StepDefinition
{
    public string? Issue { get; init; }
}

/// <summary><c>jira.comment</c>: adds <see cref="Body"/> (a text template or an Atlassian Document Format object).</summary>
public sealed record JiraCommentStepDefinition : JiraIssueStepDefinition
{
    public JiraCommentStepDefinition() => Type = CompiledJiraStep.CommentKind;

    public JsonNode? Body { get; init; }
}

/// <summary><c>jira.edit</c>: sets <see cref="Fields"/> (field id to value; string leaves are templates) and applies <see cref="Update"/>.</summary>
public sealed record JiraEditStepDefinition : JiraIssueStepDefinition
{
    public JiraEditStepDefinition() => Type = CompiledJiraStep.EditKind;

    public JsonObject? Fields { get; init; }

    /// <summary>Multi-value changes, field to one operation or a list: <c>{"labels": [{"add": "x"}, {"remove": "y"}]}</c>.</summary>
    public JsonObject? Update { get; init; }
}

/// <summary><c>jira.transition</c>: by the transition's name (<see cref="Transition"/>, looked up on the issue) or <see cref="TransitionId"/>, both templates.</summary>
public sealed record JiraTransitionStepDefinition : JiraIssueStepDefinition
{
    public JiraTransitionStepDefinition() => Type = CompiledJiraStep.TransitionKind;

    public string? Transition { get; init; }
    public string? TransitionId { get; init; }
}

/// <summary><c>jira.fetch</c>: reads the issue.</summary>
public sealed record JiraFetchStepDefinition : JiraIssueStepDefinition
{
    public JiraFetchStepDefinition() => Type = CompiledJiraStep.FetchKind;
}

/// <summary><c>jira.assign</c>: <see cref="Assignee"/>, an account id (a template); empty unassigns, <c>-1</c> is the project's default.</summary>
public sealed record JiraAssignStepDefinition : JiraIssueStepDefinition
{
    public JiraAssignStepDefinition() => Type = CompiledJiraStep.AssignKind;

    public string? Assignee { get; init; }
}

/// <summary><c>jira.create</c>: a new issue in <see cref="Project"/> (default: the event's) of <see cref="IssueType"/>, under <see cref="Parent"/> for a sub-task.</summary>
public sealed record JiraCreateStepDefinition : StepDefinition
{
    public JiraCreateStepDefinition() => Type = CompiledJiraStep.CreateKind;

    /// <summary>Field id or name to value (at least the summary); string leaves are templates.</summary>
    public JsonObject? Fields { get; init; }

    public string? Project { get; init; }
    public string? IssueType { get; init; }
    public string? Parent { get; init; }
}

/// <summary><c>jira.link</c>: a link of <see cref="LinkType"/> between Jira's <c>inwardIssue</c> and <c>outwardIssue</c> (templates; either defaults to the event's issue).</summary>
public sealed record JiraLinkStepDefinition : StepDefinition
{
    public JiraLinkStepDefinition() => Type = CompiledJiraStep.LinkKind;

    public string? LinkType { get; init; }
    public string? InwardIssue { get; init; }
    public string? OutwardIssue { get; init; }
}

/// <summary><c>jira.search</c>: the issues matching <see cref="Jql"/> (a template), each with the <see cref="Select"/>ed fields, at most <see cref="MaxResults"/> (1–1000, default 50).</summary>
public sealed record JiraSearchStepDefinition : StepDefinition
{
    public JiraSearchStepDefinition() => Type = CompiledJiraStep.SearchKind;

    public string? Jql { get; init; }
    public IReadOnlyList<string>? Select { get; init; }
    public int? MaxResults { get; init; }
}
