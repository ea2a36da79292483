using System.Text.Json;
using System.Text.Json.Nodes;
using Refit;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// The field a 4xx answer of Jira names. Jira answers a refused write with an ErrorCollection: <c>errorMessages</c>
/// and <c>errors</c>, "the list of errors by parameter returned by the operation" keyed by field id
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put,
/// <c>{"errors": {"priority": "…"}}</c>). Only the first key is read, never a message: a message can quote the value.
/// </summary>
internal static class JiraRefusal
{
    public static string? FieldOf(IApiResponse response)
    {
        if (response.Error is not ApiException { Content: { Length: > 0 } content })
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(content)?["errors"] is JsonObject errors && errors.FirstOrDefault().Key is { Length: > 0 } key ? key : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <paramref name="key"/> when it is a name the step itself sent, else null. The key comes from Jira's answer, a
    /// third party's text: a Jira that echoes the request (or anything else) as an <c>errors</c> key would otherwise put
    /// that text, issue data included, into the run record's <c>failedField</c>, the runs API and what support reads.
    /// Only a name the request carried is kept: for an edit or a create a field of its <c>fields</c> or <c>update</c>
    /// (the rule's own field ids, or the ids its field names resolved to), or a name the create resolved; for a
    /// transition <c>transition</c>; for the other kinds a top-level parameter of the body sent.
    /// </summary>
    public static string? SentOnly(CompiledJiraStep step, JiraRequest request, string? key)
    {
        if (key is null)
        {
            return null;
        }

        var body = request.Body;
        if (step.Kind is CompiledJiraStep.EditKind or CompiledJiraStep.CreateKind)
        {
            return (body?["fields"] as JsonObject)?.ContainsKey(key) == true || (body?["update"] as JsonObject)?.ContainsKey(key) == true
                || request.FieldNames.Contains(key, StringComparer.Ordinal)
                ? key
                : null;
        }

        if (step.Kind == CompiledJiraStep.FetchKind)
        {
            return null; // a GET sends no parameter Jira could name
        }

        return step.Kind == CompiledJiraStep.TransitionKind && key == "transition" || body?.ContainsKey(key) == true ? key : null;
    }

    /// <summary>The refused field as the step names it: a Jira field id under <c>fields.</c> for an edit or a create.</summary>
    public static string? AsStepField(CompiledJiraStep step, string? key)
        => key is null ? null : step.Kind is CompiledJiraStep.EditKind or CompiledJiraStep.CreateKind ? "fields." + key : key;
}
