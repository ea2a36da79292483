using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Validates and compiles the Jira action steps; every problem names its field.</summary>
internal static class JiraStepCompiler
{
    public const int MaxFields = 50;

    public static CompiledJiraStep? Comment(JiraCommentStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var issue = Issue(step, path, limits, errors);
        var comment = CompileComment(step.Body, path + ".body", limits, errors);
        return Finish(step, before, path, errors, issue, comment: comment);
    }

    public static CompiledJiraStep? Edit(JiraEditStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var issue = Issue(step, path, limits, errors);
        var fields = new List<KeyValuePair<string, CompiledBody?>>();
        if (step.Fields is not null || step.Update is null)
        {
            // Without 'fields', 'update' alone (multi-value changes) is enough.
            CompileFields(step.Fields, path + ".fields", limits, errors, fields);
        }

        var extras = JiraStepExtras.None with { Update = JiraExtraCompiler.Update(step.Update, path + ".update", limits, errors) };
        return Finish(step, before, path, errors, issue, fields: fields, extras: extras);
    }

    public static CompiledJiraStep? Transition(JiraTransitionStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var issue = Issue(step, path, limits, errors);
        Template? transitionName = null;
        Template? transitionId = null;
        if ((step.Transition is null) == (step.TransitionId is null))
        {
            errors.Add(path + ".transition", "give either 'transition' (the transition's name) or 'transitionId', exactly one");
        }
        else if (step.Transition is not null)
        {
            transitionName = TemplateCompilation.Compile(step.Transition, path + ".transition", limits, errors);
        }
        else
        {
            transitionId = TemplateCompilation.Compile(step.TransitionId!, path + ".transitionId", limits, errors);
        }

        return Finish(step, before, path, errors, issue, transitionName: transitionName, transitionId: transitionId);
    }

    public static CompiledJiraStep? Fetch(JiraFetchStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var issue = Issue(step, path, limits, errors);
        return Finish(step, before, path, errors, issue);
    }

    public static CompiledJiraStep? Create(JiraCreateStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var fields = new List<KeyValuePair<string, CompiledBody?>>();
        CompileFields(step.Fields, path + ".fields", limits, errors, fields, byName: true);
        if (step.Fields is not null && !step.Fields.ContainsKey("summary"))
        {
            errors.Add(path + ".fields.summary", "is required: a new issue needs a summary");
        }

        var extras = JiraExtraCompiler.Create(step, path, limits, errors);
        return Finish(step, before, path, errors, fields: fields, extras: extras);
    }

    public static CompiledJiraStep? Assign(JiraAssignStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var issue = Issue(step, path, limits, errors);
        var extras = JiraExtraCompiler.Assign(step, path, limits, errors);
        return Finish(step, before, path, errors, issue, extras: extras);
    }

    public static CompiledJiraStep? Link(JiraLinkStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var extras = JiraExtraCompiler.Link(step, path, limits, errors);
        return Finish(step, before, path, errors, extras: extras);
    }

    public static CompiledJiraStep? Search(JiraSearchStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        var extras = JiraExtraCompiler.Search(step, path, limits, errors);
        return Finish(step, before, path, errors, extras: extras);
    }

    private static Template? Issue(JiraIssueStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
        => step.Issue is null ? null : TemplateCompilation.Compile(step.Issue, path + ".issue", limits, errors);

    /// <summary>The checks every Jira kind shares, then the compiled step (null when this step added any error).</summary>
    private static CompiledJiraStep? Finish(
        StepDefinition step, int before, string path, ValidationErrors errors, Template? issue = null, CompiledBody? comment = null,
        List<KeyValuePair<string, CompiledBody?>>? fields = null, Template? transitionName = null, Template? transitionId = null,
        JiraStepExtras? extras = null)
    {
        if (step.OnError is not (null or "stop" or "continue"))
        {
            errors.Add(path + ".onError", "must be 'stop' or 'continue'");
        }

        return errors.Count > before
            ? null
            : new CompiledJiraStep(step.Id!, step.Type!, issue, comment, fields ?? [], transitionName, transitionId, step.OnError == "continue", extras ?? JiraStepExtras.None);
    }

    private static CompiledBody? CompileComment(JsonNode? body, string path, TemplateLimits limits, ValidationErrors errors)
    {
        switch (body)
        {
            case null:
                errors.Add(path, "is required: the comment text (a template) or an Atlassian Document Format object");
                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                if (value.GetValue<string>().Trim().Length == 0)
                {
                    errors.Add(path, "must not be empty");
                    return null;
                }

                return CompiledBody.Compile(body, path, limits, errors);
            case JsonObject when Adf.IsDocument(body):
                return CompiledBody.Compile(body, path, limits, errors);
            default:
                errors.Add(path, "must be a text template or an Atlassian Document Format object ({\"type\": \"doc\", ...})");
                return null;
        }
    }

    private static void CompileFields(JsonObject? fields, string path, TemplateLimits limits, ValidationErrors errors, List<KeyValuePair<string, CompiledBody?>> compiled, bool byName = false)
    {
        if (fields is null || fields.Count == 0)
        {
            errors.Add(path, byName
                ? "is required: at least the summary; other fields by id or by their name in Jira"
                : "is required: at least one field to set (summary, description, labels, priority, assignee, duedate, resolution or customfield_<id>), or 'update' for multi-value changes");
            return;
        }

        if (fields.Count > MaxFields)
        {
            errors.Add(path, $"may have at most {MaxFields} fields");
            return;
        }

        foreach (var (name, value) in fields)
        {
            var fieldPath = $"{path}.{name}";
            if ((byName ? JiraFieldRules.CheckForCreate(name, value) : JiraFieldRules.Check(name, value)) is { } problem)
            {
                errors.Add(fieldPath, problem);
                continue;
            }

            var before = errors.Count;
            var body = CompiledBody.Compile(value, fieldPath, limits, errors);
            if (errors.Count == before)
            {
                compiled.Add(new(name, body));
            }
        }
    }
}
