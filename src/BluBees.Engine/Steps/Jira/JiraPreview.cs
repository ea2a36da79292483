using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary>
/// A Jira step's dry run: the request it would send, with the system token masked and nothing sent. Without the
/// test override the site shows as <c>{apiBaseUrl}</c>: a dry run has no Forge token to take it from.
/// </summary>
internal sealed class JiraPreview(TemplateLimits limits, IOptions<JiraActionOptions> options)
{
    public const string SitePlaceholder = "{apiBaseUrl}";

    public StepPreview Preview(CompiledJiraStep step, JsonObject scope, string path)
    {
        var (request, failure) = JiraRequestBuilder.Build(step, scope, limits);
        if (request is null)
        {
            return new StepPreview(null, new DryRunError(path, failure!.Category, failure.Message), null);
        }

        var site = string.IsNullOrEmpty(options.Value.ApiBaseUrlOverride) ? SitePlaceholder : options.Value.ApiBaseUrlOverride.TrimEnd('/');
        var issuePath = "/rest/api/3/issue/" + Uri.EscapeDataString(request.Issue);
        var (target, body) = step.Kind switch
        {
            CompiledJiraStep.CommentKind => (issuePath + "/comment", request.Body),
            CompiledJiraStep.EditKind => (issuePath, request.Body),
            CompiledJiraStep.TransitionKind => (issuePath + "/transitions", request.Body
                ?? new JsonObject { ["transition"] = new JsonObject { ["id"] = $"(looked up by name: {request.TransitionName})" } }),
            CompiledJiraStep.AssignKind => (issuePath + "/assignee", request.Body),
            CompiledJiraStep.CreateKind => ("/rest/api/3/issue", request.Body),
            CompiledJiraStep.LinkKind => ("/rest/api/3/issueLink", request.Body),
            CompiledJiraStep.SearchKind => ("/rest/api/3/search/jql", request.Body),
            _ => (issuePath, null),
        };
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Authorization"] = "Bearer " + RequestBuilder.Mask,
            [JiraTrace.Header] = "(one per run)",
        };
        if (body is not null)
        {
            headers["Content-Type"] = "application/json; charset=utf-8";
        }

        var preview = new DryRunRequest(step.Id, step.Method, site + target, headers, body);
        var output = new JsonObject { ["status"] = null, ["ok"] = null, ["dryRun"] = true };
        switch (step.Kind)
        {
            case CompiledJiraStep.FetchKind:
                output["issue"] = null;
                break;
            case CompiledJiraStep.SearchKind:
                // A dry run sends nothing, so there are no results: later steps see an empty list, marked as such.
                output["issues"] = new JsonArray();
                output["count"] = 0;
                output["truncated"] = false;
                break;
            case CompiledJiraStep.CreateKind:
                output["key"] = "(created when the rule runs)";
                output["id"] = null;
                output["body"] = null;
                break;
            default:
                output["body"] = null;
                break;
        }
        return new StepPreview(preview, null, output);
    }
}
