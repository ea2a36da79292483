using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Api.JiraUser;
using BluBees.Api.Permissions;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Admin;

/// <summary>
/// Save-time warnings (<see cref="RuleAnalyzer"/>) for the rule routes, and <c>POST /api/rules/validate</c>: checks a
/// definition without saving it. Jira's field list is read with the caller's own token; when Jira cannot be asked the
/// field checks are skipped with one warning saying so, and the save goes on.
/// </summary>
internal static class RuleWarningsEndpoints
{
    public static RouteGroupBuilder MapRuleValidation(this RouteGroupBuilder api)
    {
        api.MapPost("/rules/validate", ValidateAsync).Reads<RuleDefinition>();
        return api;
    }

    internal static async Task<IReadOnlyList<RuleWarning>> ForAsync(VerifiedTenant tenant, HttpRequest request, RuleDefinition definition)
    {
        var services = request.HttpContext.RequestServices;
        var fields = await services.GetRequiredService<UserFieldCatalog>().GetAsync(
            tenant.Context, request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), request.HttpContext.RequestAborted);
        return RuleAnalyzer.Analyze(definition, fields, services.GetRequiredService<TemplateLimits>());
    }

    internal static async Task<Results<Ok<RuleValidation>, BodyProblem, InvalidProblem>> ValidateAsync(
        VerifiedTenant tenant, HttpRequest request, RuleService rules, CancellationToken ct)
    {
        var (definition, problem) = await JsonBody.ReadAsync<RuleDefinition>(request, RuleLimits.MaxRuleBytes);
        if (problem is not null)
        {
            return problem;
        }

        var (compiled, errors) = await rules.ValidateAsync(tenant.Id, "validate", 1, definition!, ct);
        if (compiled is null)
        {
            return Problems.Invalid(errors);
        }

        var (jqlProblem, jqlWarnings) = await ScheduleJqlCheck.CheckAsync(tenant, request, definition!);
        return jqlProblem ?? (Results<Ok<RuleValidation>, BodyProblem, InvalidProblem>)TypedResults.Ok(new RuleValidation(true, [.. await ForAsync(tenant, request, definition!), .. jqlWarnings]));
    }
}

/// <summary>The answer of <c>POST /api/rules/validate</c> for a valid rule.</summary>
internal sealed record RuleValidation(bool Valid, IReadOnlyList<RuleWarning> Warnings);
