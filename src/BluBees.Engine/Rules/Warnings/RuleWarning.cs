namespace BluBees.Engine.Rules.Warnings;

/// <summary>
/// A save-time warning: the rule is valid and was saved, but part of it probably never does what was meant.
/// <see cref="Path"/> is the JSON path of the field (<c>steps[1].body.key</c>, <c>trigger.fieldChanged.field</c>);
/// <see cref="Message"/> is plain language and quotes only the rule's own text, never run data.
/// </summary>
public sealed record RuleWarning(string Path, string Code, string Message);

/// <summary>The warning codes (stable; the UI and scripts may switch on them).</summary>
public static class RuleWarningCodes
{
    /// <summary>A template or condition reads a root that is not in the run's data (<c>isue.fields.summary</c>).</summary>
    public const string UnknownScopeRoot = "unknown_scope_root";

    /// <summary>A field Jira does not have (<c>issue.fields.sumary</c>, <c>fieldChanged.field: "stauts"</c>), or a property the root lacks.</summary>
    public const string UnknownField = "unknown_field";

    /// <summary>A step's output is read before that step runs (a later step, or the step itself).</summary>
    public const string StepNotYetRun = "step_not_yet_run";

    /// <summary>A step id no step of the rule has.</summary>
    public const string UnknownStep = "unknown_step";

    /// <summary>A Jira step acts on the rule's issue (none named) but the trigger brings none (a webhook, a schedule without a JQL).</summary>
    public const string NoIssue = "no_issue";

    /// <summary>A step's <c>url</c> (no connection) takes its host from data: a placeholder before the '/' that ends the host.</summary>
    public const string HostFromData = "host_from_data";

    /// <summary>A header or query parameter that carries a credential has its value written into the rule (no connection keeps it).</summary>
    public const string LiteralCredential = "literal_credential";

    /// <summary>Jira's field list could not be read, so field names were not checked.</summary>
    public const string FieldsNotChecked = "fields_not_checked";
}
