using System.Globalization;
using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Common;
using BluBees.Engine.Support;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Support;

/// <summary>
/// <c>/api/support</c> (Forge-authenticated, the tenant from the token): the tenant admin grants, lists and
/// revokes support access and reads the audit trail of support reads.
/// </summary>
internal static class SupportGrantsEndpoints
{
    private const int ListLimit = 50;

    public static RouteGroupBuilder MapSupportAdmin(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/support");
        group.MapGet("/grants", ListAsync);
        group.MapPost("/grants", CreateAsync).Reads<GrantInput>();
        group.MapDelete("/grants/{id}", RevokeAsync).TakesNoBody();
        group.MapGet("/audit", AuditAsync).Query("limit", "cursor");
        return api;
    }

    internal static async Task<Ok<ItemsResponse<GrantView>>> ListAsync(VerifiedTenant tenant, SupportGrantStore grants, TimeProvider time, CancellationToken ct)
    {
        // The newest grants, and every active one however many newer grants there are: the admin must see (and can
        // revoke) each grant that lets support in.
        var newest = await grants.ListAsync(tenant.Id, ListLimit, ct);
        var active = await grants.ListActiveAsync(tenant.Id, ct);
        var now = time.GetUtcNow();
        var items = newest.Concat(active).DistinctBy(g => g.Id).OrderByDescending(g => g.Id, StringComparer.Ordinal);
        return TypedResults.Ok(new ItemsResponse<GrantView>([.. items.Select(g => GrantView.From(g, now))]));
    }

    internal static async Task<Results<Created<GrantView>, BodyProblem, InvalidProblem, ForbiddenProblem, ConflictProblem>> CreateAsync(
        VerifiedTenant tenant, HttpRequest request, SupportGrantStore grants, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await JsonBody.ReadAsync<GrantInput>(request, 4 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new ValidationErrors();
        if (input!.Hours is not { } hours)
        {
            errors.Add("hours", $"is required: how long support may read the run log, 1 to {SupportGrant.MaxHours} hours");
        }
        else if (hours is < 1 or > SupportGrant.MaxHours)
        {
            errors.Add("hours", $"must be from 1 to {SupportGrant.MaxHours}");
        }

        var reason = input.Reason?.Trim() is { Length: > 0 } r ? r : null;
        if (reason is { Length: > SupportGrant.MaxReasonLength })
        {
            errors.Add("reason", $"may be at most {SupportGrant.MaxReasonLength} characters");
        }
        else if (reason is not null && DisplayText.HasUnsafeCharacters(reason))
        {
            // Support staff read the reason in the grant list and the audit: it must read as what was typed.
            errors.Add("reason", "must not contain control or text-direction characters");
        }

        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        if (tenant.AccountId is not { } accountId)
        {
            return Problems.Forbidden("Only a signed-in Jira user can grant support access.");
        }

        var created = await grants.CreateAsync(tenant.Id, TimeSpan.FromHours(input.Hours!.Value), accountId, reason, ct);
        return created.Grant is { } grant
            ? TypedResults.Created($"/api/support/grants/{grant.Id}", GrantView.From(grant, time.GetUtcNow()))
            : LimitReached(created.Refused!.Value);
    }

    /// <summary>The 409 of a grant past a per-tenant limit: which one (<c>reason</c>), and how many it allows (<c>limit</c>).</summary>
    private static ConflictProblem LimitReached(GrantLimit limit) => limit switch
    {
        GrantLimit.Active => Problems.Conflict(
            $"This site already has {SupportGrantStore.MaxActive} active support grants, the most it may have at once. Revoke one before granting again.",
            new Dictionary<string, object?> { ["reason"] = "active_grant_limit", ["limit"] = SupportGrantStore.MaxActive }),
        _ => Problems.Conflict(
            $"This site created {SupportGrantStore.MaxPerWindow} support grants in the last {SupportGrant.MaxHours} hours, the most it may: wait until the oldest of them is older than that.",
            new Dictionary<string, object?> { ["reason"] = "grant_rate_limit", ["limit"] = SupportGrantStore.MaxPerWindow }),
    };

    internal static async Task<Results<NoContent, NotFoundProblem>> RevokeAsync(string id, VerifiedTenant tenant, SupportGrantStore grants, CancellationToken ct)
        => await grants.RevokeAsync(tenant.Id, id, tenant.AccountId, ct) is not null
            ? TypedResults.NoContent()
            : Problems.NotFound($"Support grant '{ConnectionsEndpoints.Safe(id)}' does not exist.");

    internal static async Task<Results<Ok<AuditPage>, InvalidProblem>> AuditAsync(VerifiedTenant tenant, HttpRequest request, SupportAuditStore audit, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new ValidationErrors();
        var limit = 50;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 200))
        {
            errors.Add("limit", "must be a whole number from 1 to 200");
        }

        var cursor = q["cursor"].ToString() is { Length: > 0 } c ? c : null;
        if (cursor is not null && !Ids.IsTimeOrdered(cursor))
        {
            errors.Add("cursor", "is not a cursor this API returned");
        }

        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var (items, next) = await audit.ListAsync(tenant.Id, limit, cursor, ct);
        return TypedResults.Ok(new AuditPage(items, next));
    }
}

/// <summary>Body of <c>POST /api/support/grants</c>.</summary>
internal sealed record GrantInput(int? Hours, string? Reason);

/// <summary>A grant as the tenant admin sees it.</summary>
internal sealed record GrantView(string Id, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string CreatedBy, string? Reason, DateTimeOffset? RevokedAt, string? RevokedBy, bool Active)
{
    public static GrantView From(SupportGrant g, DateTimeOffset now)
        => new(g.Id, g.CreatedAt, g.ExpiresAt, g.CreatedBy, g.Reason, g.RevokedAt, g.RevokedBy, g.IsActiveAt(now));
}

internal sealed record AuditPage(IReadOnlyList<SupportAuditEntry> Items, string? NextCursor);
