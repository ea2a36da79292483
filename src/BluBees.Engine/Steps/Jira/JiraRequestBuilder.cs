using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>What one Jira step will send, rendered from the run's scope: the issue and the JSON body, if any.</summary>
internal sealed record JiraRequest(string Issue, JsonObject? Body, string? TransitionName)
{
    /// <summary><c>jira.create</c>: field names (not ids) in <see cref="Body"/> to resolve through Jira's field list.</summary>
    public IReadOnlyList<string> FieldNames { get; init; } = [];
}

/// <summary>Renders a compiled Jira step. Failures are values with a closed category; messages never hold scope values.</summary>
internal static class JiraRequestBuilder
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static (JiraRequest? Request, BuildFailure? Failure) Build(CompiledJiraStep step, JsonObject scope, TemplateLimits limits)
    {
        if (step.Kind is CompiledJiraStep.CreateKind or CompiledJiraStep.LinkKind or CompiledJiraStep.SearchKind)
        {
            var (extra, extraFailure) = JiraExtraRequests.Build(step, scope, limits);
            return extra is null ? (null, extraFailure) : Checked(extra);
        }

        if (RenderIssue(step, scope, limits, out var issue) is { } issueFailure)
        {
            return (null, issueFailure);
        }

        JsonObject? body = null;
        string? transitionName = null;
        switch (step.Kind)
        {
            case CompiledJiraStep.CommentKind:
                var (comment, commentError) = step.Comment!.Build(scope, limits);
                if (commentError is not null)
                {
                    return (null, TemplateFailure("body", commentError));
                }

                var document = JiraValues.ScalarText(comment) is { } text ? (text.Trim().Length == 0 ? null : Adf.FromText(text)) : comment as JsonObject;
                if (document is null || !Adf.IsDocument(document))
                {
                    return (null, new BuildFailure(ErrorCategories.TemplateError, "body: the comment rendered empty or is not a document", "body"));
                }

                body = new JsonObject { ["body"] = Adf.AsJiraText(document) };
                break;
            case CompiledJiraStep.EditKind:
                var fields = new JsonObject();
                foreach (var (name, value) in step.Fields)
                {
                    var (rendered, error) = value is null ? (null, null) : value.Build(scope, limits);
                    if (error is not null)
                    {
                        return (null, TemplateFailure($"fields.{name}", error));
                    }

                    fields[name] = JiraEmptyValues.Normalize(name, JiraFieldRules.Shape(name, rendered), out var problem);
                    if (problem is not null)
                    {
                        return (null, EmptyFailure(name, problem));
                    }
                }

                body = fields.Count > 0 ? new JsonObject { ["fields"] = fields } : [];
                var (update, updateFailure) = JiraExtraRequests.Update(step, scope, limits);
                if (updateFailure is not null)
                {
                    return (null, updateFailure);
                }

                if (update is not null)
                {
                    body["update"] = update;
                }

                break;
            case CompiledJiraStep.AssignKind:
                var (assign, assignFailure) = JiraExtraRequests.Assign(step, scope, limits);
                if (assignFailure is not null)
                {
                    return (null, assignFailure);
                }

                body = assign;
                break;
            case CompiledJiraStep.TransitionKind when step.TransitionId is not null:
                var id = step.TransitionId.Render(scope, limits);
                if (!id.Success)
                {
                    return (null, TemplateFailure("transitionId", id.Error!));
                }

                if (id.Output!.Trim() is not { Length: > 0 and <= 20 } transitionId || !transitionId.All(char.IsAsciiDigit))
                {
                    return (null, new BuildFailure(ErrorCategories.TemplateError, "transitionId: did not render a numeric transition id", "transitionId"));
                }

                body = TransitionBody(transitionId);
                break;
            case CompiledJiraStep.TransitionKind:
                var transition = step.TransitionName!.Render(scope, limits);
                if (!transition.Success)
                {
                    return (null, TemplateFailure("transition", transition.Error!));
                }

                transitionName = transition.Output!.Trim();
                if (transitionName.Length == 0)
                {
                    return (null, new BuildFailure(ErrorCategories.TemplateError, "transition: the transition name rendered empty", "transition"));
                }

                break;
        }

        return Checked(new JiraRequest(issue, body, transitionName));
    }

    /// <summary>
    /// The body as the Jira client will write it (same serializer context): too large, too deep for it (a whole
    /// event value under a field can pass its 64 levels) or holding a number that is not finite is a template error
    /// here, never an exception in the send.
    /// </summary>
    private static (JiraRequest? Request, BuildFailure? Failure) Checked(JiraRequest request)
    {
        if (request.Body is null)
        {
            return (request, null);
        }

        int length;
        try
        {
            length = JsonSerializer.SerializeToUtf8Bytes(request.Body, JiraJsonContext.Default.JsonObject).Length;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return (null, new BuildFailure(ErrorCategories.TemplateError, "the request body could not be written as JSON: it nests too deep, or a value is not a finite number"));
        }

        return length > MaxBodyBytes
            ? (null, new BuildFailure(ErrorCategories.TemplateError, $"the request body exceeds {MaxBodyBytes} bytes"))
            : (request, null);
    }

    public static JsonObject TransitionBody(string transitionId) => new() { ["transition"] = new JsonObject { ["id"] = transitionId } };

    internal static BuildFailure? RenderIssue(CompiledJiraStep step, JsonObject scope, TemplateLimits limits, out string issue)
    {
        issue = string.Empty;
        if (step.Issue is null)
        {
            // The event's issue: its key when the event has one, else its id.
            issue = JiraValues.Text(scope["issue"]?["key"]) ?? scope["issue"]?["id"]?.ToString() ?? string.Empty;
        }
        else
        {
            var rendered = step.Issue.Render(scope, limits);
            if (!rendered.Success)
            {
                return TemplateFailure("issue", rendered.Error!);
            }

            issue = rendered.Output!.Trim();
        }

        return issue.Length == 0
            ? new BuildFailure(ErrorCategories.IssueMissing, "issue: no issue to act on (the event has none and the step names none)", "issue")
            : JiraValues.IsIssueRef(issue) ? null : new BuildFailure(ErrorCategories.IssueMissing, "issue: did not render an issue key or id", "issue");
    }

    /// <summary>A field that rendered a value Jira cannot take (<see cref="JiraEmptyValues"/>): a template error at the field.</summary>
    internal static BuildFailure EmptyFailure(string field, string problem)
        => new(ErrorCategories.TemplateError, $"fields.{field}: {problem}", $"fields.{field}");

    internal static BuildFailure TemplateFailure(string where, TemplateError error)
        => new(ErrorCategories.TemplateError, $"{where}: {TemplateCompilation.Describe(error)}", where + error.Field);
}
