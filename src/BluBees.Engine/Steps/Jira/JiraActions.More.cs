using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Steps.Jira;

/// <summary><c>jira.create</c> (fields by name resolved through Jira's field list) and <c>jira.search</c> (paged, capped).</summary>
internal sealed partial class JiraActions
{
    private async Task<(string? Category, JsonObject? Output)> CreateAsync(JiraCall call, JiraRequest request, JiraStepTotals totals, CancellationToken ct)
    {
        var body = request.Body!;
        if (request.FieldNames.Count > 0)
        {
            var (response, category) = await SendAsync(call, t => call.Api.GetFieldsAsync(call.Token, call.Trace, t, ct), totals, ct);
            using (response)
            {
                if (category is not null || response?.Content is not { } known)
                {
                    return (category ?? ErrorCategories.Http5xx, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = false });
                }

                var fields = body["fields"]!.AsObject();
                foreach (var name in request.FieldNames)
                {
                    var ids = known.OfType<JsonObject>()
                        .Where(f => string.Equals(JiraValues.Text(f["name"])?.Trim(), name.Trim(), StringComparison.OrdinalIgnoreCase))
                        .Select(f => JiraValues.Text(f["id"])).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
                    if (ids.Count != 1)
                    {
                        LogFieldNameUnresolved(logger, ids.Count);
                        return (ErrorCategories.FieldNotFound, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = false });
                    }

                    // Shaped again by the id the name resolves to: "Priority" was no field id when the request was
                    // rendered, so its text was left as it was, and Jira takes a priority only as {"name"} or {"id"}.
                    var value = fields[name];
                    fields.Remove(name);
                    fields[ids[0]] = JiraEmptyValues.Normalize(ids[0], JiraFieldRules.Shape(ids[0], value), out var problem);
                    if (problem is not null)
                    {
                        totals.RefusedField = name;
                        return (ErrorCategories.TemplateError, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = false });
                    }
                }
            }
        }

        var (createCategory, output) = await WriteAsync(call, t => call.Api.CreateIssueAsync(body, call.Token, call.Trace, t, ct), totals, ct);
        if (output?["body"] is JsonObject created)
        {
            output["key"] = created["key"]?.DeepClone();
            output["id"] = created["id"]?.DeepClone();
        }

        return (createCategory, output);
    }

    private async Task<(string? Category, JsonObject? Output)> SearchAsync(JiraCall call, JiraRequest request, int maxResults, JiraStepTotals totals, CancellationToken ct)
    {
        var issues = new JsonArray();
        var query = request.Body!;
        var truncated = false;
        for (var page = 0; ; page++)
        {
            var (response, category) = await SendAsync(call, t => call.Api.SearchAsync(query, call.Token, call.Trace, t, ct), totals, ct);
            using (response)
            {
                if (category is not null || response?.Content is not { } result)
                {
                    return (category ?? ErrorCategories.Http5xx, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = false });
                }

                foreach (var issue in result["issues"] as JsonArray ?? [])
                {
                    if (issues.Count == maxResults)
                    {
                        truncated = true;
                        break;
                    }

                    issues.Add(issue?.DeepClone());
                }

                var next = JiraValues.Text(result["nextPageToken"]);
                if (truncated || next is not { Length: > 0 })
                {
                    truncated |= issues.Count == maxResults && next is { Length: > 0 };
                    break;
                }

                if (issues.Count >= maxResults)
                {
                    truncated = true;
                    break;
                }

                query = query.DeepClone().AsObject();
                query["nextPageToken"] = next;
                query["maxResults"] = Math.Min(JiraExtraRequests.SearchPageSize, maxResults - issues.Count);
            }
        }

        return (null, new JsonObject { ["status"] = totals.StatusCode, ["ok"] = true, ["issues"] = issues, ["count"] = issues.Count, ["truncated"] = truncated });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A jira.create field name matched {Matches} Jira fields (exactly one is needed)")]
    private static partial void LogFieldNameUnresolved(ILogger logger, int matches);
}
