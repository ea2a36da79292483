using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Execution;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Scheduling;

/// <summary>
/// <c>POST /api/rules/{id}/run</c> <c>{issueKey}</c>: runs a rule with a manual trigger for one issue. Only a user
/// whom Jira allows to edit that issue may call it (asked with the user's own token: the run then acts with the app's). The queued
/// event carries the issue key only; the run processor reads the issue with the app's token when the run starts (nothing of the
/// issue is queued), so the run sees <c>issue.fields</c> as an event's run does.
/// </summary>
internal static partial class ManualRunEndpoint
{
    public const string EventType = "blubees:manual";
    private const string TriggerType = "manual";

    public static async Task<Results<BodyProblem, InvalidProblem, Results<ForbiddenProblem, UnavailableProblem>, NotFoundProblem, ConflictProblem,
        Results<Accepted<IngestResponse>, Ok<IngestResponse>, UnavailableProblem>>> RunAsync(
        string id, VerifiedTenant tenant, HttpRequest request, RuleService rules, EventIngestor ingress, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await JsonBody.ReadAsync<ManualRunRequest>(request, 4 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        if (input!.IssueKey is not { Length: > 0 } issueKey)
        {
            return Problems.Invalid("issueKey", "is required: an issue key such as OPS-17 (project key in capitals, dash, number)");
        }

        if (issueKey.Length > 100 || !IssueKey().IsMatch(issueKey))
        {
            // Given, but not a key: "is required" sent the caller looking for a missing field.
            return Problems.Invalid("issueKey", "is not an issue key: give an issue key such as OPS-17 (project key in capitals, dash, number; at most 100 characters)");
        }

        if (input!.RequestId is { } requestId && !Engine.Common.Ids.IsWellFormed(requestId))
        {
            return Problems.Invalid("requestId", "must be 1 to 64 letters, digits, '_' or '-' (one value per run the user asked for, e.g. a UUID)");
        }

        // Before anything else (even whether the rule exists): Jira must allow this user to edit the issue.
        if (await Permissions.IssueAccess.RefuseUnlessAsync(tenant, request, issueKey, Permissions.IssueAccess.Edit) is { } refusal)
        {
            return refusal;
        }

        if (await rules.GetStoredHeadAsync(tenant.Id, id, ct) is not { } current)
        {
            return Problems.NotFound($"Rule '{ConnectionsEndpoints.Safe(id)}' does not exist.");
        }

        // A rule a later build saved does not run here until it is saved again (before: a 500 from its head's read).
        if (current.SavedByNewerVersion)
        {
            return Problems.RuleSavedByNewerVersion(id);
        }

        if (current.Head.TriggerType != TriggerType)
        {
            return Problems.Conflict($"Rule '{current.Head.Id}' is triggered by '{current.Head.TriggerType}'; only rules with a manual trigger can be run by hand.");
        }

        if (!current.Head.Enabled)
        {
            // A disabled rule is an admin's "stop"; a run accepted before the rule was disabled does not run either
            // (the run processor skips it and leaves a `disabled` trace entry).
            return Problems.Conflict($"Rule '{current.Head.Id}' is disabled; an administrator must enable it first.");
        }

        var now = time.GetUtcNow();
        var evt = new JsonObject
        {
            ["eventType"] = EventType,
            ["timestamp"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["atlassianId"] = tenant.AccountId,
            ["issue"] = new JsonObject { ["key"] = issueKey },
        };
        var systemToken = request.Headers["x-forge-oauth-system"].ToString();
        // With a request id, the same request again (a double click, a retry after an answer that never came) is the same
        // run: its de-duplication marker answers 202 queued while it waits or runs, 200 duplicate after, and it runs once.
        var work = new IngressRequest(tenant.Context, RunSource.Manual, evt)
        {
            SystemToken = systemToken,
            RuleId = current.Head.Id,
            DedupKey = input!.RequestId is { } key ? DedupKey(current.Head.Id, issueKey, tenant.AccountId, key) : null,
        };
        var result = await ingress.SubmitAsync(work, ct);
        return Ingress.IngressResults.From(result);
    }

    /// <summary>The request's identity: rule, issue, user and the request id the user's client chose (hashed).</summary>
    internal static string DedupKey(string ruleId, string issueKey, string? accountId, string requestId)
        => "manual-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join('\n', ruleId, issueKey, accountId ?? string.Empty, requestId))));

    [GeneratedRegex("^[A-Z][A-Z0-9_]*-[0-9]{1,18}$", RegexOptions.CultureInvariant)]
    private static partial Regex IssueKey();
}

/// <summary>
/// Body of a manual run. <see cref="RequestId"/> (optional): chosen by the client once per run the user asks for and
/// sent again with every retry of it, so a double click or a retry is one run (docs/api.md, "Manual runs").
/// </summary>
internal sealed record ManualRunRequest(string? IssueKey, string? RequestId = null);
