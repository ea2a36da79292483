using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;
using BluBees.Engine.Conditions;
using BluBees.Engine.Templates;

namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// Save-time warnings for a rule that compiles: scope paths that read nothing (an unknown root, a field Jira does not
/// have), a trigger on a field Jira does not have, step outputs read before the step runs, and Jira steps that act on
/// the rule's issue under a trigger that brings none, a <c>url</c> whose host comes from data, and a credential written into a step (<see cref="LiteralCredential"/>). Warnings never block a
/// save. <paramref name="fields"/> null means Jira's field list was not available: field names are then not checked,
/// and one warning says so.
/// </summary>
public static class RuleAnalyzer
{
    private const int MaxWarnings = 50;

    public static IReadOnlyList<RuleWarning> Analyze(RuleDefinition rule, JiraFieldSet? fields, TemplateLimits limits)
    {
        var warnings = new List<RuleWarning>();
        if (fields is null)
        {
            warnings.Add(new RuleWarning(string.Empty, RuleWarningCodes.FieldsNotChecked,
                "Jira's field list could not be read, so field names were not checked. The rule was checked otherwise."));
        }

        var visits = StepOrder.InExecutionOrder(rule.Steps).ToList();
        var allSteps = visits.Select(v => v.Step.Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (rule.Trigger?.FieldChanged?.Field is { Length: > 0 } changed && fields is not null && !fields.HasIdOrName(changed))
        {
            warnings.Add(NoSuchField("trigger.fieldChanged.field", changed, fields));
        }

        var before = new Scope(allSteps, new HashSet<string>(StringComparer.Ordinal), [], fields);
        Conditions(rule.Conditions, "conditions", before, warnings);

        var lacking = TriggerIssue.Lacking(rule.Trigger);
        var ran = new HashSet<string>(StringComparer.Ordinal);
        foreach (var visit in visits)
        {
            var scope = new Scope(allSteps, ran, visit.BlockRoots, fields);
            Conditions(visit.Step.If, visit.Path + ".if", scope, warnings);
            TemplatedHost.Check(visit.Step, visit.Path, warnings);
            LiteralCredential.Check(visit.Step, visit.Path, warnings);
            // Parsed with exact names: SerializeToNode would take the options' case-insensitive matching, and a step's
            // query {"page", "Page"} (two parameters) would throw.
            var node = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(visit.Step, JsonDefaults.Options), JsonDefaults.NodeOptions);
            if (node is JsonObject step)
            {
                if (lacking is not null)
                {
                    TriggerIssue.Check(step, visit.Path, lacking, warnings);
                }

                foreach (var (key, value) in step)
                {
                    if (!StepOrder.NonTemplateKeys.Contains(key))
                    {
                        Templates(value, $"{visit.Path}.{key}", scope, limits, warnings);
                    }
                }
            }

            if (visit.Step.Id is { } id)
            {
                ran.Add(id);
            }
        }

        return [.. warnings.DistinctBy(w => (w.Path, w.Code, w.Message)).Take(MaxWarnings)];
    }

    private sealed record Scope(IReadOnlySet<string> AllSteps, IReadOnlySet<string> Ran, IReadOnlyList<string> BlockRoots, JiraFieldSet? Fields);

    private static void Conditions(ConditionNode? node, string path, Scope scope, List<RuleWarning> warnings)
    {
        if (node is null)
        {
            return;
        }

        foreach (var (name, children) in new[] { ("all", node.All), ("any", node.Any) })
        {
            for (var i = 0; i < (children?.Count ?? 0); i++)
            {
                Conditions(children![i], $"{path}.{name}[{i}]", scope, warnings);
            }
        }

        if (node.Field is not { Length: > 0 } field)
        {
            return;
        }

        if (string.Equals(node.Op, "changed", StringComparison.Ordinal))
        {
            // 'changed' names a changelog field, as the trigger's fieldChanged does.
            if (scope.Fields is not null && !scope.Fields.HasIdOrName(field))
            {
                warnings.Add(NoSuchField(path + ".field", field, scope.Fields));
            }

            return;
        }

        if (ScopePath.Parse(field, out _) is { Segments: [string root, ..] segments })
        {
            Check(root, [.. segments.Skip(1).Select(s => s as string)], path + ".field", scope, warnings);
        }
    }

    private static void Templates(JsonNode? node, string path, Scope scope, TemplateLimits limits, List<RuleWarning> warnings)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    Templates(value, $"{path}.{key}", scope, limits, warnings);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Templates(array[i], $"{path}[{i}]", scope, limits, warnings);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && (text.Contains("{{", StringComparison.Ordinal) || text.Contains("{%", StringComparison.Ordinal)):
                if (TemplateCompiler.Compile(text, limits).Template is { } template)
                {
                    foreach (var reference in TemplateReferences.Of(template))
                    {
                        Check(reference.Root, reference.Segments, path, scope, warnings);
                    }
                }

                break;
        }
    }

    private static void Check(string root, IReadOnlyList<string?> segments, string path, Scope scope, List<RuleWarning> warnings)
    {
        var first = segments.Count > 0 ? segments[0] : null;
        if (scope.BlockRoots.Contains(root))
        {
            return;
        }

        if (!ScopeCatalog.Roots.Contains(root))
        {
            warnings.Add(new RuleWarning(path, RuleWarningCodes.UnknownScopeRoot,
                $"'{Short(root)}' is not part of the rule's data, so it is always empty.{ScopeCatalog.Suggest(root, ScopeCatalog.Roots)} "
                + $"Use one of: {string.Join(", ", ScopeCatalog.Roots)}."));
            return;
        }

        switch (root)
        {
            // issue.summary, issue.Story Points: Jira Automation's short paths read the field by id or display name,
            // so only a name that is neither a property, a shortcut nor one of the site's fields reads nothing.
            case "issue" or "triggerIssue" when first is not null && !ScopeCatalog.IssueProperties.Contains(first) && !ScopeCatalog.IssueShortcuts.Contains(first)
                && scope.Fields is { } known && !known.HasIdOrName(first):
                warnings.Add(new RuleWarning(path, RuleWarningCodes.UnknownField,
                    $"An issue has no property or field '{Short(first)}', so {root}.{Short(first)} is always empty.{ScopeCatalog.Suggest(first, [.. ScopeCatalog.IssueProperties, .. known.IdsAndNames])}"));
                break;
            case "issue" when first == "fields" && segments.Count > 1 && segments[1] is { } field && scope.Fields is { } fields && !fields.HasId(field):
                warnings.Add(new RuleWarning(path, RuleWarningCodes.UnknownField,
                    $"Jira has no field with the id '{Short(field)}', so issue.fields.{Short(field)} is always empty.{ScopeCatalog.Suggest(field, fields.Ids)}"));
                break;
            case "event" when first is not null && !ScopeCatalog.EventProperties.Contains(first):
                warnings.Add(new RuleWarning(path, RuleWarningCodes.UnknownField,
                    $"event has no '{Short(first)}': use event.type, event.timestamp or event.source.{ScopeCatalog.Suggest(first, ScopeCatalog.EventProperties)}"));
                break;
            case "changelog" when first is not null && !ScopeCatalog.ChangelogProperties.Contains(first) && scope.Fields?.HasIdOrName(first) != true:
                warnings.Add(new RuleWarning(path, RuleWarningCodes.UnknownField,
                    $"changelog has no '{Short(first)}': use changelog.items (each with field, fromString, toString) or changelog.id."));
                break;
            case "steps" when first is not null && !scope.Ran.Contains(first):
                warnings.Add(scope.AllSteps.Contains(first)
                    ? new RuleWarning(path, RuleWarningCodes.StepNotYetRun,
                        $"Step '{Short(first)}' has not run yet at this point (it runs later, or this is that step), so steps.{Short(first)} is empty here.")
                    : new RuleWarning(path, RuleWarningCodes.UnknownStep,
                        $"No step has the id '{Short(first)}', so steps.{Short(first)} is always empty.{ScopeCatalog.Suggest(first, scope.AllSteps)}"));
                break;
        }
    }

    private static RuleWarning NoSuchField(string path, string field, JiraFieldSet fields)
        => new(path, RuleWarningCodes.UnknownField,
            $"Jira has no field called '{Short(field)}', so this never matches a change.{ScopeCatalog.Suggest(field, fields.IdsAndNames)}");

    private static string Short(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
