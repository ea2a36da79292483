using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Validates and compiles the Jira action steps; every problem names its field.</summary>
internal static class JiraStepCompiler
{
    public const int MaxFields = 50;

    public static CompiledJiraStep? Compile(string kind, StepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var before = errors.Count;
        RejectHttpFields(step, path, errors);
        var issue = step.Issue is null ? null : TemplateCompilation.Compile(step.Issue, path + ".issue", limits, errors);
        CompiledBody? comment = null;
        var fields = new List<KeyValuePair<string, CompiledBody?>>();
        Template? transitionName = null;
        Template? transitionId = null;
        switch (kind)
        {
            case CompiledJiraStep.CommentKind:
                comment = CompileComment(step.Body, path + ".body", limits, errors);
                break;
            case CompiledJiraStep.EditKind when step.Fields is null && step.Update is not null:
                break; // multi-value changes only
            case CompiledJiraStep.EditKind:
                CompileFields(step.Fields, path + ".fields", limits, errors, fields);
                break;
            case CompiledJiraStep.CreateKind:
                CompileFields(step.Fields, path + ".fields", limits, errors, fields, byName: true);
                if (step.Fields is not null && !step.Fields.ContainsKey("summary"))
                {
                    errors.Add(path + ".fields.summary", "is required: a new issue needs a summary");
                }

                break;
            case CompiledJiraStep.TransitionKind:
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

                break;
        }

        NotUsed(kind != CompiledJiraStep.CommentKind && step.Body is not null, path + ".body", kind, errors);
        NotUsed(kind is not (CompiledJiraStep.EditKind or CompiledJiraStep.CreateKind) && step.Fields is not null, path + ".fields", kind, errors);
        var extras = JiraExtraCompiler.Compile(kind, step, path, limits, errors);
        NotUsed(kind != CompiledJiraStep.TransitionKind && step.Transition is not null, path + ".transition", kind, errors);
        NotUsed(kind != CompiledJiraStep.TransitionKind && step.TransitionId is not null, path + ".transitionId", kind, errors);
        if (step.OnError is not (null or "stop" or "continue"))
        {
            errors.Add(path + ".onError", "must be 'stop' or 'continue'");
        }

        return errors.Count > before
            ? null
            : new CompiledJiraStep(step.Id!, kind, issue, comment, fields, transitionName, transitionId, step.OnError == "continue", extras);
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
                : "is required: at least one field to set (summary, description, labels, priority, assignee or customfield_<id>), or 'update' for multi-value changes");
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

    private static void RejectHttpFields(StepDefinition step, string path, ValidationErrors errors)
    {
        NotUsed(step.Connection is not null, path + ".connection", "Jira", errors);
        NotUsed(step.Method is not null, path + ".method", "Jira", errors);
        NotUsed(step.Path is not null, path + ".path", "Jira", errors);
        NotUsed(step.Url is not null, path + ".url", "Jira", errors);
        NotUsed(step.Headers is not null, path + ".headers", "Jira", errors);
        NotUsed(step.Query is not null, path + ".query", "Jira", errors);
        NotUsed(step.TimeoutSeconds is not null, path + ".timeoutSeconds", "Jira", errors);
    }

    private static void NotUsed(bool present, string path, string kind, ValidationErrors errors)
    {
        if (present)
        {
            errors.Add(path, $"is not used by {kind} steps");
        }
    }
}
