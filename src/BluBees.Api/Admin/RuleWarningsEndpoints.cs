using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Api.JiraUser;
using BluBees.Api.Permissions;
using BluBees.Engine.Rules;
using BluBees.Engine.Rules.Warnings;
using BluBees.Engine.Templates;

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
        api.MapPost("/rules/validate", ValidateAsync).Reads<RuleDefinition>().Returns<RuleValidation>();
        return api;
    }

    internal static async Task<IReadOnlyList<RuleWarning>> ForAsync(HttpContext context, RuleDefinition definition)
    {
        var services = context.RequestServices;
        var fields = await services.GetRequiredService<UserFieldCatalog>().GetAsync(
            context.Tenant(), context.Request.Headers[JiraPermissionChecker.UserTokenHeader].ToString(), context.RequestAborted);
        return RuleAnalyzer.Analyze(definition, fields, services.GetRequiredService<TemplateLimits>());
    }

    internal static async Task<IResult> ValidateAsync(HttpContext context, RuleService rules)
    {
        var (definition, problem) = await JsonBody.ReadAsync<RuleDefinition>(context.Request, RuleLimits.MaxRuleBytes);
        if (problem is not null)
        {
            return problem;
        }

        var (compiled, errors) = await rules.ValidateAsync(context.Tenant().TenantId, "validate", 1, definition!, context.RequestAborted);
        return compiled is null ? Problems.Invalid(errors) : TypedResults.Ok(new RuleValidation(true, await ForAsync(context, definition!)));
    }
}

/// <summary>The answer of <c>POST /api/rules/validate</c> for a valid rule.</summary>
internal sealed record RuleValidation(bool Valid, IReadOnlyList<RuleWarning> Warnings);
