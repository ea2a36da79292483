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

    /// <summary>The refused field as the step names it: a Jira field id under <c>fields.</c> for an edit or a create.</summary>
    public static string? AsStepField(CompiledJiraStep step, string? key)
        => key is null ? null : step.Kind is CompiledJiraStep.EditKind or CompiledJiraStep.CreateKind ? "fields." + key : key;
}
