using System.Text.Json.Nodes;
using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Common;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Admin;

/// <summary><c>/api/rules</c>: CRUD, enable/disable, versions, restore and dry run.</summary>
internal static class RulesEndpoints
{
    public static RouteGroupBuilder MapRules(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/rules");
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync).Reads<RuleDefinition>();
        group.MapPost("/dry-run", DryRunUnsavedAsync).Reads<DryRunRequestBody>();
        group.MapGet("/{id}", GetAsync);
        group.MapPut("/{id}", UpdateAsync).Reads<RuleDefinition>().Query("baseVersion");
        group.MapDelete("/{id}", DeleteAsync).TakesNoBody();
        // Named handlers, not lambdas: the OpenAPI document tags a lambda's operation with the host's application name
        // (testhost in the fixture that writes docs/openapi.json, BluBees.Api when deployed).
        group.MapPost("/{id}/enable", EnableAsync).TakesNoBody();
        group.MapPost("/{id}/disable", DisableAsync).TakesNoBody();
        group.MapGet("/{id}/versions", ListVersionsAsync).Query("limit", "cursor");
        group.MapGet("/{id}/versions/{version}", GetVersionAsync);
        group.MapPost("/{id}/versions/{version}/restore", RestoreAsync).TakesNoBody().Query("baseVersion");
        group.MapPost("/{id}/dry-run", DryRunAsync).Reads<SavedDryRunRequestBody>();
        group.MapGet("/{id}/trace", RuleTraceEndpoint.GetAsync);
        return api;
    }

    internal static async Task<Ok<ItemsResponse<RuleSummary>>> ListAsync(VerifiedTenant tenant, RuleService rules, CancellationToken ct)
        => TypedResults.Ok(new ItemsResponse<RuleSummary>(await rules.ListAsync(tenant.Id, ct)));

    /// <summary>The rule; 409 (<c>reason</c> <c>saved_by_newer_version</c>) when a later build saved it and this one cannot read it.</summary>
    internal static async Task<Results<Ok<RuleView>, NotFoundProblem, ConflictProblem>> GetAsync(string id, VerifiedTenant tenant, RuleService rules, CancellationToken ct)
    {
        var outcome = await rules.GetAsync(tenant.Id, id, ct);
        return outcome.Value is { } rule
            ? TypedResults.Ok(rule)
            : outcome.Kind == OutcomeKind.Conflict ? Problems.RuleSavedByNewerVersion(id) : RuleNotFound(id);
    }

    internal static async Task<Results<Created<RuleView>, BodyProblem, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> CreateAsync(
        VerifiedTenant tenant, HttpRequest request, RuleService rules, CancellationToken ct)
    {
        var (definition, problem) = await JsonBody.ReadAsync<RuleDefinition>(request, RuleLimits.MaxRuleBytes);
        if (problem is not null)
        {
            return problem;
        }

        var (jqlProblem, jqlWarnings) = await ScheduleJqlCheck.CheckAsync(tenant, request, definition!);
        if (jqlProblem is not null)
        {
            return (Results<NotFoundProblem, InvalidProblem, ConflictProblem>)jqlProblem;
        }

        var outcome = await rules.CreateAsync(tenant.Id, definition!, tenant.AccountId, ct);
        return outcome.Value is { } rule
            ? TypedResults.Created($"/api/rules/{rule.Id}", rule with { Warnings = [.. await RuleWarningsEndpoints.ForAsync(tenant, request, definition!), .. jqlWarnings] })
            : Problems.From(outcome);
    }

    internal static async Task<Results<Ok<RuleView>, BodyProblem, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> UpdateAsync(
        string id, VerifiedTenant tenant, HttpRequest request, RuleService rules, CancellationToken ct)
    {
        // ?baseVersion=N: the version the editor opened; a rule saved since then is a 409 (rule_changed), not overwritten.
        if (!BaseVersion(request, out var baseVersion))
        {
            return (Results<NotFoundProblem, InvalidProblem, ConflictProblem>)BaseVersionInvalid();
        }

        var (definition, problem) = await JsonBody.ReadAsync<RuleDefinition>(request, RuleLimits.MaxRuleBytes);
        if (problem is not null)
        {
            return problem;
        }

        var (jqlProblem, jqlWarnings) = await ScheduleJqlCheck.CheckAsync(tenant, request, definition!);
        if (jqlProblem is not null)
        {
            return (Results<NotFoundProblem, InvalidProblem, ConflictProblem>)jqlProblem;
        }

        var outcome = await rules.UpdateAsync(tenant.Id, id, definition!, tenant.AccountId, ct, baseVersion);
        return outcome.Value is { } rule
            ? TypedResults.Ok(rule with { Warnings = [.. await RuleWarningsEndpoints.ForAsync(tenant, request, definition!), .. jqlWarnings] })
            : Problems.From(outcome);
    }

    internal static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(string id, VerifiedTenant tenant, RuleService rules, CancellationToken ct)
        => await rules.DeleteAsync(tenant.Id, id, ct) ? TypedResults.NoContent() : RuleNotFound(id);

    internal static Task<Results<Ok<RuleView>, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> EnableAsync(
        string id, VerifiedTenant tenant, RuleService rules, CancellationToken ct) => SetEnabledAsync(id, true, tenant, rules, ct);

    internal static Task<Results<Ok<RuleView>, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> DisableAsync(
        string id, VerifiedTenant tenant, RuleService rules, CancellationToken ct) => SetEnabledAsync(id, false, tenant, rules, ct);

    private static async Task<Results<Ok<RuleView>, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> SetEnabledAsync(
        string id, bool enabled, VerifiedTenant tenant, RuleService rules, CancellationToken ct)
    {
        var outcome = await rules.SetEnabledAsync(tenant.Id, id, enabled, ct);
        return outcome.Value is { } rule ? TypedResults.Ok(rule) : Problems.From(outcome);
    }

    internal static async Task<Results<Ok<VersionPage>, NotFoundProblem, InvalidProblem>> ListVersionsAsync(
        string id, VerifiedTenant tenant, HttpRequest request, RuleService rules, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new ValidationErrors();
        var limit = RuleVersionHistory.MaxPage;
        if (q["limit"].ToString() is { Length: > 0 } l
            && (!int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > RuleVersionHistory.MaxPage))
        {
            errors.Add("limit", $"must be a whole number from 1 to {RuleVersionHistory.MaxPage}");
        }

        int? before = null;
        if (q["cursor"].ToString() is { Length: > 0 } c)
        {
            // The cursor is the version number the next page starts below (what nextCursor said).
            if (!int.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var b) || b < 1)
            {
                errors.Add("cursor", "is not a cursor this API returned");
            }
            else
            {
                before = b;
            }
        }

        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        return await rules.ListVersionsAsync(tenant.Id, id, limit, before, ct) is { } page
            ? TypedResults.Ok(new VersionPage(page.Items, page.NextCursor))
            : RuleNotFound(id);
    }

    /// <summary>
    /// One saved version; 409 (<c>reason</c> <c>saved_by_newer_version</c>) when a later build saved it and this one
    /// cannot read it; 404 (<c>reason</c> <c>version_not_kept</c>, <c>version</c>) when it is older than the versions kept.
    /// </summary>
    internal static async Task<Results<Ok<RuleVersionRecord>, NotFoundProblem, InvalidProblem, ConflictProblem>> GetVersionAsync(
        string id, string version, VerifiedTenant tenant, RuleService rules, CancellationToken ct)
    {
        if (!VersionNumber(version, out var number))
        {
            return VersionInvalid();
        }

        var outcome = await rules.GetKeptVersionAsync(tenant.Id, id, number, ct);
        return outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(outcome.Value!),
            OutcomeKind.Conflict => Problems.RuleSavedByNewerVersion(id, number),
            _ => (NotFoundProblem)Problems.From(outcome).Result,
        };
    }

    internal static async Task<Results<Ok<RuleView>, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> RestoreAsync(
        string id, string version, VerifiedTenant tenant, HttpRequest request, RuleService rules, CancellationToken ct)
    {
        if (!VersionNumber(version, out var number))
        {
            return (Results<NotFoundProblem, InvalidProblem, ConflictProblem>)VersionInvalid();
        }

        // ?baseVersion=N: the version the history showed as current; a restore would replace a version saved since unseen (409).
        if (!BaseVersion(request, out var baseVersion))
        {
            return (Results<NotFoundProblem, InvalidProblem, ConflictProblem>)BaseVersionInvalid();
        }

        var outcome = await rules.RestoreAsync(tenant.Id, id, number, tenant.AccountId, ct, baseVersion);
        return outcome.Value is { } rule ? TypedResults.Ok(rule) : Problems.From(outcome);
    }

    /// <summary>The optional <c>?baseVersion=</c> (a whole number from 1); false when it is given and is not one.</summary>
    private static bool BaseVersion(HttpRequest request, out int? baseVersion)
    {
        baseVersion = null;
        if (request.Query["baseVersion"].ToString() is not { Length: > 0 } b)
        {
            return true;
        }

        if (!VersionNumber(b, out var opened))
        {
            return false;
        }

        baseVersion = opened;
        return true;
    }

    private static InvalidProblem BaseVersionInvalid() => Problems.Invalid("baseVersion", "must be the rule's version number (a whole number from 1)");

    /// <summary>
    /// A version in the path is a whole number from 1. Parsed here, not by a route constraint (<c>{version:int}</c>):
    /// with the constraint, <c>versions/abc</c> matched no route and was answered 404 "no such route", naming nothing.
    /// </summary>
    private static bool VersionNumber(string text, out int number)
        => int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number) && number >= 1;

    private static InvalidProblem VersionInvalid() => Problems.Invalid("version", $"must be a whole number from 1 to {int.MaxValue}");

    internal static async Task<Results<Ok<DryRunResult>, BodyProblem, NotFoundProblem, InvalidProblem, ConflictProblem, TooManyRequestsProblem>> DryRunAsync(
        string id, VerifiedTenant tenant, HttpRequest request, RuleService rules, DryRunner runner, DryRunGate gate, CancellationToken ct)
    {
        // Taken before the body is read (parsing 500 KB is work too), given back with the answer.
        using var slot = gate.TryEnter(tenant.Id);
        if (slot is null)
        {
            return DryRunGate.Refused();
        }

        var (body, problem) = await JsonBody.ReadAsync<SavedDryRunRequestBody>(request, ForgeLimits.DryRunBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (await rules.GetStoredHeadAsync(tenant.Id, id, ct) is not { } head)
        {
            return RuleNotFound(id);
        }

        if (head.SavedByNewerVersion)
        {
            return Problems.RuleSavedByNewerVersion(id);
        }

        if (SampleEventValidation.Check(body!.Event) is { } invalid)
        {
            return invalid;
        }

        var sample = (JsonObject)body.Event!;
        var compiled = await rules.LoadCompiledAsync(tenant.Id, head.Head, ct);
        if (compiled is not null)
        {
            return TypedResults.Ok(await runner.RunAsync(tenant.Id, compiled, sample, ct));
        }

        // No version to compile may be a delete that removed it after the head was read: then the rule is gone (404),
        // not a rule to save again.
        if (await rules.GetStoredHeadAsync(tenant.Id, id, ct) is null)
        {
            return RuleNotFound(id);
        }

        return (await rules.ReadVersionAsync(tenant.Id, id, head.Head.Version, ct)).SavedByNewerVersion
            ? Problems.RuleSavedByNewerVersion(id)
            : Problems.Conflict("The rule's current version no longer compiles; save it again to see why.");
    }

    internal static async Task<Results<Ok<DryRunResult>, BodyProblem, InvalidProblem, TooManyRequestsProblem>> DryRunUnsavedAsync(
        VerifiedTenant tenant, HttpRequest request, RuleService rules, DryRunner runner, DryRunGate gate, CancellationToken ct)
    {
        using var slot = gate.TryEnter(tenant.Id);
        if (slot is null)
        {
            return DryRunGate.Refused();
        }

        var (body, problem) = await JsonBody.ReadAsync<DryRunRequestBody>(request, ForgeLimits.DryRunBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Rule is null)
        {
            return Problems.Invalid("rule", "is required: the rule definition to try");
        }

        if (SampleEventValidation.Check(body.Event) is { } invalid)
        {
            return invalid;
        }

        var sample = (JsonObject)body.Event!;
        var (compiled, errors) = await rules.ValidateAsync(tenant.Id, "dry-run", 0, body.Rule, ct);
        // Paths from the body's root (rule.steps[0].path), like the event's (event.issue) and a wrong type's.
        return compiled is null ? Problems.Invalid(errors.Under("rule")) : TypedResults.Ok(await runner.RunAsync(tenant.Id, compiled, sample, ct));
    }

    private static NotFoundProblem RuleNotFound(string id) => Problems.NotFound($"Rule '{ConnectionsEndpoints.Safe(id)}' does not exist.");
}

/// <summary>Body of an unsaved rule's dry run: its definition and a sample event.</summary>
internal sealed record DryRunRequestBody(JsonNode? Event, RuleDefinition? Rule);

/// <summary>
/// Body of a saved rule's dry run: a sample event only. The rule is the saved one; a <c>rule</c> here is refused as an
/// unknown property rather than ignored (it would not be the rule that is tried).
/// </summary>
internal sealed record SavedDryRunRequestBody(JsonNode? Event);

internal static class ForgeLimits
{
    /// <summary>Forge caps UI invocation payloads at 500 KB.</summary>
    public const int DryRunBytes = 500 * 1024;
}

/// <summary>A page of a rule's version history, newest first; <see cref="NextCursor"/> (the number the next page starts below) is null on the last page.</summary>
internal sealed record VersionPage(IReadOnlyList<RuleVersionSummary> Items, string? NextCursor);
