using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Jira;

/// <summary>Validates and compiles the parts of <see cref="JiraStepExtras"/>, kind by kind; every problem names its field.</summary>
internal static class JiraExtraCompiler
{
    public const int DefaultMaxResults = 50;
    public const int MaxMaxResults = 1000;
    public const int MaxSelect = 50;
    public static readonly IReadOnlyList<string> DefaultSelect = ["summary", "status", "issuetype", "assignee"];
    private static readonly string[] UpdateOps = ["add", "remove", "set"];

    public static JiraStepExtras Create(JiraCreateStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors) => JiraStepExtras.None with
    {
        Project = Text(step.Project, path, "project", required: false, "the project key", limits, errors),
        IssueType = Text(step.IssueType, path, "issueType", required: true, "the issue type's name, such as Task, Bug or Sub-task", limits, errors),
        Parent = Text(step.Parent, path, "parent", required: false, "the parent issue key, for a sub-task", limits, errors),
    };

    public static JiraStepExtras Assign(JiraAssignStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        // An empty assignee is meaningful (unassign), so only null is "missing".
        if (step.Assignee is null)
        {
            errors.Add(path + ".assignee", "is required: an account id (a template), \"\" to unassign or \"-1\" for the project's default assignee");
            return JiraStepExtras.None;
        }

        return JiraStepExtras.None with { Assignee = TemplateCompilation.Compile(step.Assignee, path + ".assignee", limits, errors) };
    }

    public static JiraStepExtras Link(JiraLinkStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var extras = JiraStepExtras.None with
        {
            LinkType = Text(step.LinkType, path, "linkType", required: true, "the link type's name, such as Blocks, Relates or Duplicate", limits, errors),
            InwardIssue = Text(step.InwardIssue, path, "inwardIssue", required: false, "an issue key", limits, errors),
            OutwardIssue = Text(step.OutwardIssue, path, "outwardIssue", required: false, "an issue key", limits, errors),
        };
        if (step.InwardIssue is null && step.OutwardIssue is null)
        {
            errors.Add(path + ".outwardIssue", "give 'inwardIssue' or 'outwardIssue' (or both): the other defaults to the event's issue");
        }

        return extras;
    }

    public static JiraStepExtras Search(JiraSearchStepDefinition step, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var extras = JiraStepExtras.None with
        {
            Jql = Text(step.Jql, path, "jql", required: true, "a JQL query, such as project = OPS AND statusCategory != Done", limits, errors),
            Select = CompileSelect(step.Select, path + ".select", errors),
            MaxResults = step.MaxResults ?? DefaultMaxResults,
        };
        if (step.MaxResults is < 1 or > MaxMaxResults)
        {
            errors.Add(path + ".maxResults", $"must be from 1 to {MaxMaxResults}");
        }

        return extras;
    }

    private static Template? Text(string? source, string path, string field, bool required, string hint, TemplateLimits limits, ValidationErrors errors)
    {
        if (source is null)
        {
            if (required)
            {
                errors.Add($"{path}.{field}", "is required: " + hint);
            }

            return null;
        }

        if (source.Trim().Length == 0)
        {
            errors.Add($"{path}.{field}", "must not be empty: " + hint);
            return null;
        }

        return TemplateCompilation.Compile(source, $"{path}.{field}", limits, errors);
    }

    public static IReadOnlyList<KeyValuePair<string, IReadOnlyList<JiraUpdateOperation>>> Update(JsonObject? update, string path, TemplateLimits limits, ValidationErrors errors)
    {
        if (update is null)
        {
            return [];
        }

        if (update.Count is 0 or > JiraStepCompiler.MaxFields)
        {
            errors.Add(path, $"must name 1 to {JiraStepCompiler.MaxFields} fields");
            return [];
        }

        var compiled = new List<KeyValuePair<string, IReadOnlyList<JiraUpdateOperation>>>();
        foreach (var (name, value) in update)
        {
            var fieldPath = $"{path}.{name}";
            if (!JiraFieldRules.IsMultiValue(name))
            {
                errors.Add(fieldPath, $"'{name}' is not a multi-value field: use {JiraFieldRules.MultiValueKnown}");
                continue;
            }

            var operations = value is JsonArray list ? list : new JsonArray(value?.DeepClone());
            if (operations.Count is 0 or > 100)
            {
                errors.Add(fieldPath, "must be one operation or a list of 1 to 100, such as {\"add\": \"urgent\"}");
                continue;
            }

            var ops = new List<JiraUpdateOperation>();
            for (var i = 0; i < operations.Count; i++)
            {
                var opPath = value is JsonArray ? $"{fieldPath}[{i}]" : fieldPath;
                if (operations[i] is not JsonObject { Count: 1 } op || !UpdateOps.Contains(op.First().Key, StringComparer.Ordinal))
                {
                    errors.Add(opPath, "must be an object with exactly one of 'add', 'remove' or 'set'");
                    continue;
                }

                var (verb, operand) = op.First();
                if (CompiledBody.Compile(operand, $"{opPath}.{verb}", limits, errors) is { } body)
                {
                    ops.Add(new JiraUpdateOperation(verb, body));
                }
            }

            compiled.Add(new(name, ops));
        }

        return compiled;
    }

    private static IReadOnlyList<string> CompileSelect(IReadOnlyList<string>? select, string path, ValidationErrors errors)
    {
        if (select is null)
        {
            return DefaultSelect;
        }

        if (select.Count is 0 or > MaxSelect)
        {
            errors.Add(path, $"must list 1 to {MaxSelect} field ids");
            return [];
        }

        for (var i = 0; i < select.Count; i++)
        {
            if (select[i] is not { Length: > 0 and <= 64 } field || !field.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                errors.Add($"{path}[{i}]", "must be a field id such as summary, status or customfield_10016");
            }
        }

        return select;
    }
}
