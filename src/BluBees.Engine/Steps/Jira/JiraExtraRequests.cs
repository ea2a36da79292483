using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// Renders the bodies of <c>jira.create</c>, <c>jira.assign</c>, <c>jira.link</c>, <c>jira.search</c> and <c>jira.edit</c>'s
/// <c>update</c>, in the shapes of Jira's REST v3 API
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/,
/// .../api-group-issue-links/, .../api-group-issue-search/). Failures are values; messages hold no scope values.
/// </summary>
internal static class JiraExtraRequests
{
    /// <summary>Jira's own page size cap of the enhanced search; larger requests are answered with at most this.</summary>
    public const int SearchPageSize = 100;

    public static (JiraRequest? Request, BuildFailure? Failure) Build(CompiledJiraStep step, JsonObject scope, TemplateLimits limits) => step.Kind switch
    {
        CompiledJiraStep.CreateKind => Create(step, scope, limits),
        CompiledJiraStep.LinkKind => Link(step, scope, limits),
        _ => Search(step, scope, limits),
    };

    public static (JsonObject? Update, BuildFailure? Failure) Update(CompiledJiraStep step, JsonObject scope, TemplateLimits limits)
    {
        if (step.More.Update.Count == 0)
        {
            return (null, null);
        }

        var update = new JsonObject();
        foreach (var (name, operations) in step.More.Update)
        {
            var list = new JsonArray();
            foreach (var op in operations)
            {
                var (value, error) = op.Value.Build(scope, limits);
                if (error is not null)
                {
                    return (null, JiraRequestBuilder.TemplateFailure($"update.{name}.{op.Op}", error));
                }

                var operand = op.Op == "set" && JiraFieldRules.IsListField(name)
                    ? SetOperand(name, value)
                    : op.Op == "set" && value is JsonArray values
                    ? new JsonArray([.. values.Select(v => JiraFieldRules.ShapeOperand(name, v?.DeepClone()))])
                    : JiraFieldRules.ShapeOperand(name, value);
                if (op.Op != "set" && JiraEmptyValues.IsEmptyOperand(operand))
                {
                    continue; // adding or removing an empty label, component or option does nothing in Jira; skip it rather than fail
                }

                if (op.Op == "set")
                {
                    operand = JiraEmptyValues.Normalize(name, operand, out var problem);
                    if (problem is not null)
                    {
                        return (null, new BuildFailure(ErrorCategories.TemplateError, $"update.{name}.set: {problem}", $"update.{name}.set"));
                    }
                }

                list.Add(new JsonObject { [op.Op] = operand });
            }

            if (list.Count > 0)
            {
                update[name] = list;
            }
        }

        return (update, null);
    }

    /// <summary>
    /// <c>set</c> on labels, components or versions replaces the whole list, so Jira takes its operand as a list, in
    /// the field's own shape (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put):
    /// <c>"a, b"</c> becomes <c>["a","b"]</c> for labels and <c>[{"name":"a"},{"name":"b"}]</c> for components and versions
    /// ("SET … The incoming value must be the same shape as the value of the field from a GET … array of strings for
    /// labels": https://developer.atlassian.com/server/jira/platform/updating-an-issue-via-the-jira-rest-apis-6848604/).
    /// </summary>
    private static JsonNode? SetOperand(string name, JsonNode? value)
    {
        var shaped = JiraFieldRules.Shape(name, value?.DeepClone());
        return shaped is JsonArray or null ? shaped : new JsonArray(shaped);
    }

    public static (JsonObject? Body, BuildFailure? Failure) Assign(CompiledJiraStep step, JsonObject scope, TemplateLimits limits)
    {
        var rendered = step.More.Assignee!.Render(scope, limits);
        if (!rendered.Success)
        {
            return (null, JiraRequestBuilder.TemplateFailure("assignee", rendered.Error!));
        }

        var account = rendered.Output!.Trim();
        if (account.Length > 128 || !account.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_'))
        {
            return (null, new BuildFailure(ErrorCategories.TemplateError, "assignee: did not render an account id", "assignee"));
        }

        return (new JsonObject { ["accountId"] = account.Length == 0 ? null : account }, null);
    }

    private static (JiraRequest? Request, BuildFailure? Failure) Create(CompiledJiraStep step, JsonObject scope, TemplateLimits limits)
    {
        var fields = new JsonObject();
        var names = new List<string>();
        var project = step.More.Project is null ? JiraValues.Text(scope["issue"]?["fields"]?["project"]?["key"]) : null;
        if (step.More.Project is { } projectTemplate && !TryText(projectTemplate, "project", scope, limits, out project, out var projectFailure))
        {
            return (null, projectFailure);
        }

        if (project is not { Length: > 0 } || !JiraValues.IsIssueRef(project))
        {
            return (null, new BuildFailure(ErrorCategories.TemplateError, "project: no project key (the event has no issue and the step names none)", "project"));
        }

        if (!TryText(step.More.IssueType!, "issueType", scope, limits, out var issueType, out var typeFailure))
        {
            return (null, typeFailure);
        }

        fields["project"] = JiraValues.Ref(project);
        fields["issuetype"] = new JsonObject { ["name"] = issueType };
        if (step.More.Parent is { } parentTemplate)
        {
            if (!TryText(parentTemplate, "parent", scope, limits, out var parent, out var parentFailure))
            {
                return (null, parentFailure);
            }

            if (!JiraValues.IsIssueRef(parent))
            {
                return (null, new BuildFailure(ErrorCategories.IssueMissing, "parent: did not render an issue key or id", "parent"));
            }

            fields["parent"] = JiraValues.Ref(parent);
        }

        foreach (var (name, value) in step.Fields)
        {
            var (rendered, error) = value is null ? (null, null) : value.Build(scope, limits);
            if (error is not null)
            {
                return (null, JiraRequestBuilder.TemplateFailure($"fields.{name}", error));
            }

            fields[name] = JiraEmptyValues.Normalize(name, JiraFieldRules.Shape(name, rendered), out var problem);
            if (problem is not null)
            {
                return (null, JiraRequestBuilder.EmptyFailure(name, problem));
            }

            if (!JiraFieldRules.IsSystemFieldId(name) && !JiraFieldRules.IsCustomField(name))
            {
                names.Add(name);
            }
        }

        return (new JiraRequest(string.Empty, new JsonObject { ["fields"] = fields }, null) { FieldNames = names }, null);
    }

    private static (JiraRequest? Request, BuildFailure? Failure) Link(CompiledJiraStep step, JsonObject scope, TemplateLimits limits)
    {
        if (!TryText(step.More.LinkType!, "linkType", scope, limits, out var linkType, out var typeFailure))
        {
            return (null, typeFailure);
        }

        string? Side(Template? template, string field, out BuildFailure? failure)
        {
            failure = null;
            string issue;
            if (template is null)
            {
                failure = JiraRequestBuilder.RenderIssue(step with { Issue = null }, scope, limits, out issue);
                return failure is null ? issue : null;
            }

            if (!TryText(template, field, scope, limits, out issue, out failure))
            {
                return null;
            }

            if (!JiraValues.IsIssueRef(issue))
            {
                failure = new BuildFailure(ErrorCategories.IssueMissing, $"{field}: did not render an issue key or id", field);
                return null;
            }

            return issue;
        }

        var inward = Side(step.More.InwardIssue, "inwardIssue", out var inwardFailure);
        if (inward is null)
        {
            return (null, inwardFailure);
        }

        var outward = Side(step.More.OutwardIssue, "outwardIssue", out var outwardFailure);
        if (outward is null)
        {
            return (null, outwardFailure);
        }

        var body = new JsonObject
        {
            ["type"] = new JsonObject { ["name"] = linkType },
            ["inwardIssue"] = JiraValues.Ref(inward),
            ["outwardIssue"] = JiraValues.Ref(outward),
        };
        return (new JiraRequest(outward, body, null), null);
    }

    private static (JiraRequest? Request, BuildFailure? Failure) Search(CompiledJiraStep step, JsonObject scope, TemplateLimits limits)
    {
        if (!TryText(step.More.Jql!, "jql", scope, limits, out var jql, out var failure))
        {
            return (null, failure);
        }

        var body = new JsonObject
        {
            ["jql"] = jql,
            ["fields"] = new JsonArray([.. step.More.Select.Select(f => (JsonNode?)JsonValue.Create(f))]),
            ["maxResults"] = Math.Min(SearchPageSize, step.More.MaxResults),
        };
        return (new JiraRequest(string.Empty, body, null), null);
    }

    private static bool TryText(Template template, string field, JsonObject scope, TemplateLimits limits, out string text, out BuildFailure? failure)
    {
        var rendered = template.Render(scope, limits);
        text = rendered.Success ? rendered.Output!.Trim() : string.Empty;
        failure = !rendered.Success
            ? JiraRequestBuilder.TemplateFailure(field, rendered.Error!)
            : text.Length == 0 ? new BuildFailure(ErrorCategories.TemplateError, $"{field}: rendered empty", field) : null;
        return failure is null;
    }
}
