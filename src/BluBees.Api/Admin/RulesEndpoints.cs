using System.Text.Json.Nodes;
using BluBees.Api.Auth;
using BluBees.Api.Forge;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;

namespace BluBees.Api.Admin;

/// <summary><c>/api/rules</c>: CRUD, enable/disable, versions, restore and dry run.</summary>
internal static class RulesEndpoints
{
    public static RouteGroupBuilder MapRules(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/rules");
        group.MapGet("/", ListAsync).Returns<ItemsResponse<RuleSummary>>();
        group.MapPost("/", CreateAsync).Reads<RuleDefinition>().Returns<RuleView>(201).Fails(409);
        group.MapPost("/dry-run", DryRunUnsavedAsync).Reads<DryRunRequestBody>().Returns<DryRunResult>();
        group.MapGet("/{id}", GetAsync).Returns<RuleView>().Fails(404);
        group.MapPut("/{id}", UpdateAsync).Reads<RuleDefinition>().Returns<RuleView>().Fails(404, 409);
        group.MapDelete("/{id}", DeleteAsync).ReturnsNoContent().Fails(404);
        group.MapPost("/{id}/enable", (string id, HttpContext c, RuleService r) => SetEnabledAsync(id, true, c, r)).Returns<RuleView>().Fails(404, 409);
        group.MapPost("/{id}/disable", (string id, HttpContext c, RuleService r) => SetEnabledAsync(id, false, c, r)).Returns<RuleView>().Fails(404, 409);
        group.MapGet("/{id}/versions", ListVersionsAsync).Returns<ItemsResponse<RuleVersionSummary>>().Fails(404);
        group.MapGet("/{id}/versions/{version:int}", GetVersionAsync).Returns<RuleVersionRecord>().Fails(404);
        group.MapPost("/{id}/versions/{version:int}/restore", RestoreAsync).Returns<RuleView>().Fails(404, 409);
        group.MapPost("/{id}/dry-run", DryRunAsync).Reads<DryRunRequestBody>().Returns<DryRunResult>().Fails(404, 409);
        group.MapGet("/{id}/trace", RuleTraceEndpoint.GetAsync).Returns<ItemsResponse<BluBees.Engine.Runs.Trace.RuleTraceEntry>>().Fails(404);
        return api;
    }

    internal static async Task<IResult> ListAsync(HttpContext context, RuleService rules)
        => TypedResults.Ok(new ItemsResponse<RuleSummary>(await rules.ListAsync(context.Tenant().TenantId, context.RequestAborted)));

    internal static async Task<IResult> GetAsync(string id, HttpContext context, RuleService rules)
        => await rules.GetAsync(context.Tenant().TenantId, id, context.RequestAborted) is { } rule ? TypedResults.Ok(rule) : RuleNotFound(id);

    internal static async Task<IResult> CreateAsync(HttpContext context, RuleService rules)
    {
        var (definition, problem) = await JsonBody.ReadAsync<RuleDefinition>(context.Request, RuleLimits.MaxRuleBytes);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await rules.CreateAsync(context.Tenant().TenantId, definition!, context.Tenant().PrincipalAccountId, context.RequestAborted);
        return outcome.Value is { } rule
            ? TypedResults.Created($"/api/rules/{rule.Id}", rule with { Warnings = await RuleWarningsEndpoints.ForAsync(context, definition!) })
            : Problems.From(outcome);
    }

    internal static async Task<IResult> UpdateAsync(string id, HttpContext context, RuleService rules)
    {
        var (definition, problem) = await JsonBody.ReadAsync<RuleDefinition>(context.Request, RuleLimits.MaxRuleBytes);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await rules.UpdateAsync(context.Tenant().TenantId, id, definition!, context.Tenant().PrincipalAccountId, context.RequestAborted);
        return outcome.Value is { } rule ? TypedResults.Ok(rule with { Warnings = await RuleWarningsEndpoints.ForAsync(context, definition!) }) : Problems.From(outcome);
    }

    internal static async Task<IResult> DeleteAsync(string id, HttpContext context, RuleService rules)
        => await rules.DeleteAsync(context.Tenant().TenantId, id, context.RequestAborted) ? TypedResults.NoContent() : RuleNotFound(id);

    internal static async Task<IResult> SetEnabledAsync(string id, bool enabled, HttpContext context, RuleService rules)
    {
        var outcome = await rules.SetEnabledAsync(context.Tenant().TenantId, id, enabled, context.RequestAborted);
        return outcome.Value is { } rule ? TypedResults.Ok(rule) : Problems.From(outcome);
    }

    internal static async Task<IResult> ListVersionsAsync(string id, HttpContext context, RuleService rules)
    {
        var tenantId = context.Tenant().TenantId;
        if (await rules.GetHeadAsync(tenantId, id, context.RequestAborted) is null)
        {
            return RuleNotFound(id);
        }

        return TypedResults.Ok(new ItemsResponse<RuleVersionSummary>(await rules.ListVersionsAsync(tenantId, id, context.RequestAborted)));
    }

    internal static async Task<IResult> GetVersionAsync(string id, int version, HttpContext context, RuleService rules)
        => await rules.GetVersionAsync(context.Tenant().TenantId, id, version, context.RequestAborted) is { } v
            ? TypedResults.Ok(v)
            : Problems.NotFound($"Rule '{ConnectionsEndpoints.Safe(id)}' has no version {version}.");

    internal static async Task<IResult> RestoreAsync(string id, int version, HttpContext context, RuleService rules)
    {
        var outcome = await rules.RestoreAsync(context.Tenant().TenantId, id, version, context.Tenant().PrincipalAccountId, context.RequestAborted);
        return outcome.Value is { } rule ? TypedResults.Ok(rule) : Problems.From(outcome);
    }

    internal static async Task<IResult> DryRunAsync(string id, HttpContext context, RuleService rules, DryRunner runner)
    {
        var tenantId = context.Tenant().TenantId;
        var (request, problem) = await JsonBody.ReadAsync<DryRunRequestBody>(context.Request, ForgeLimits.DryRunBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (await rules.GetHeadAsync(tenantId, id, context.RequestAborted) is not { } head)
        {
            return RuleNotFound(id);
        }

        if (SampleEventValidation.Check(request!.Event) is { } invalid)
        {
            return invalid;
        }

        var sample = (JsonObject)request.Event!;
        var compiled = await rules.LoadCompiledAsync(tenantId, head.Head, context.RequestAborted);
        return compiled is null
            ? Problems.Conflict("The rule's current version no longer compiles; save it again to see why.")
            : TypedResults.Ok(await runner.RunAsync(tenantId, compiled, sample, context.RequestAborted));
    }

    internal static async Task<IResult> DryRunUnsavedAsync(HttpContext context, RuleService rules, DryRunner runner)
    {
        var tenantId = context.Tenant().TenantId;
        var (request, problem) = await JsonBody.ReadAsync<DryRunRequestBody>(context.Request, ForgeLimits.DryRunBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (request!.Rule is null)
        {
            return Problems.Invalid("rule", "is required: the rule definition to try");
        }

        if (SampleEventValidation.Check(request.Event) is { } invalid)
        {
            return invalid;
        }

        var sample = (JsonObject)request.Event!;
        var (compiled, errors) = await rules.ValidateAsync(tenantId, "dry-run", 0, request.Rule, context.RequestAborted);
        return compiled is null ? Problems.Invalid(errors) : TypedResults.Ok(await runner.RunAsync(tenantId, compiled, sample, context.RequestAborted));
    }

    private static IResult RuleNotFound(string id) => Problems.NotFound($"Rule '{ConnectionsEndpoints.Safe(id)}' does not exist.");
}

/// <summary>Body of a dry run: a sample event, and for an unsaved rule its definition.</summary>
internal sealed record DryRunRequestBody(JsonNode? Event, RuleDefinition? Rule);

internal static class ForgeLimits
{
    /// <summary>Forge caps UI invocation payloads at 500 KB.</summary>
    public const int DryRunBytes = 500 * 1024;
}
