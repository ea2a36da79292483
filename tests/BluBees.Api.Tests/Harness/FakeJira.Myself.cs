using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace BluBees.Api.Tests.Harness;

/// <summary>
/// "Get current user" <c>GET /rest/api/3/myself</c> with a user token Jira issued: the token's user in Jira's documented
/// shape <c>{self, accountId, accountType, active, displayName, ...}</c>
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get); an
/// unknown token gets 401. The backend asks it to confirm that a user token is the principal's. Not counted in
/// <see cref="Calls"/> (the permission questions), so their counts stay what they were.
/// </summary>
public sealed partial class FakeJira
{
    private int _myselfCalls;

    /// <summary>How many "Get current user" calls arrived.</summary>
    public int MyselfCalls => Volatile.Read(ref _myselfCalls);

    /// <summary>When set and returning a status, answers "Get current user" with it (and the body) for that account.</summary>
    public Func<string?, (int Status, string Body)?>? RespondMyself { get; set; }

    private async Task<bool> TryMyselfAsync(HttpContext context)
    {
        if (context.Request.Path != "/rest/api/3/myself")
        {
            return false;
        }

        Interlocked.Increment(ref _myselfCalls);
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : null;
        var known = token is not null && _tokens.TryGetValue(token, out _);
        var accountId = known ? _tokens[token!] : null;
        var (status, body) = RespondMyself?.Invoke(accountId) ?? (known && accountId is not null
            ? (200, new JsonObject
            {
                ["self"] = "https://api.atlassian.com/ex/jira/cloud/rest/api/3/user?accountId=" + Uri.EscapeDataString(accountId),
                ["accountId"] = accountId,
                ["accountType"] = "atlassian",
                ["active"] = true,
                ["displayName"] = "User " + accountId,
                ["timeZone"] = "Europe/Paris",
                ["locale"] = "en_US",
            }.ToJsonString())
            : (401, """{"errorMessages":["Unauthorized"]}"""));
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
        return true;
    }
}
