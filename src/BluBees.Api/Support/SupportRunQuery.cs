using System.Globalization;
using BluBees.Engine.Common;
using BluBees.Engine.Runs;
using BluBees.Engine.Validation;
using BluBees.Engine.Execution;

namespace BluBees.Api.Support;

/// <summary>
/// The run-log filter of <c>GET /support/tenants/{tenantId}/runs</c>, validated like the admin run log's
/// (<c>ruleId</c>, <c>status</c>, <c>from</c>, <c>to</c>, <c>limit</c> 1..200, <c>cursor</c>).
/// </summary>
internal static class SupportRunQuery
{
    public static (RunFilter? Filter, ValidationErrors Errors) Parse(IQueryCollection q)
    {
        var errors = new ValidationErrors();
        var ruleId = Text(q, "ruleId");
        if (ruleId is not null && !Ids.IsWellFormed(ruleId))
        {
            errors.Add("ruleId", "is not a rule id");
        }

        var status = Text(q, "status");
        if (status is not null && !RunStatus.All.Contains(status))
        {
            errors.Add("status", $"must be one of {string.Join(", ", RunStatus.All)}");
        }

        var from = Time(Text(q, "from"), "from", errors);
        var to = Time(Text(q, "to"), "to", errors);
        if (from > to)
        {
            errors.Add("from", "must not be after 'to'");
        }

        var limit = 50;
        if (Text(q, "limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 200))
        {
            errors.Add("limit", "must be a whole number from 1 to 200");
        }

        var cursor = Text(q, "cursor");
        if (cursor is not null && !Ids.IsTimeOrdered(cursor))
        {
            errors.Add("cursor", "is not a cursor this API returned");
        }

        return errors.IsEmpty ? (new RunFilter(ruleId, status, from, to, limit, cursor), errors) : (null, errors);
    }

    private static string? Text(IQueryCollection q, string name) => q[name].ToString() is { Length: > 0 } value ? value : null;

    private static DateTimeOffset? Time(string? text, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        errors.Add(field, "must be an ISO-8601 date-time");
        return null;
    }
}
