using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules;
using BluBees.Engine.Webhooks;

namespace BluBees.Api.Webhooks;

/// <summary>
/// <c>/api/webhooks</c>: list, create, read, delete, rotate the secret. The secret is in the answer to create
/// and rotate only; every other answer says <c>secretSet: true</c>.
/// </summary>
internal sealed class WebhookAdminEndpoints(WebhookService hooks)
{
    public async Task<IResult> ListAsync(HttpContext context)
        => TypedResults.Ok(new ItemsResponse<WebhookView>([.. (await hooks.ListAsync(context.Tenant().TenantId, context.RequestAborted)).Select(WebhookView.From)]));

    public async Task<IResult> GetAsync(string id, HttpContext context)
        => await hooks.GetAsync(context.Tenant().TenantId, id, context.RequestAborted) is { } hook
            ? TypedResults.Ok(WebhookView.From(hook))
            : NotFound(id);

    public async Task<IResult> CreateAsync(HttpContext context)
    {
        var (input, problem) = await JsonBody.ReadAsync<WebhookInput>(context.Request, 4 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await hooks.CreateAsync(context.Tenant().TenantId, input!, context.RequestAborted);
        return outcome.Value is { } created ? TypedResults.Created($"/api/webhooks/{created.Id}", created) : Problems.From(outcome);
    }

    public async Task<IResult> RotateSecretAsync(string id, HttpContext context)
    {
        var outcome = await hooks.RotateSecretAsync(context.Tenant().TenantId, id, context.RequestAborted);
        return outcome.Value is { } rotated ? TypedResults.Ok(rotated) : outcome.Kind == Engine.Common.OutcomeKind.NotFound ? NotFound(id) : Problems.From(outcome);
    }

    public async Task<IResult> DeleteAsync(string id, HttpContext context, RuleService rules)
    {
        var tenantId = context.Tenant().TenantId;
        var users = (await rules.ListHeadsAsync(tenantId, context.RequestAborted)).Where(r => r.WebhookId == id).ToList();
        if (users.Count > 0)
        {
            return Problems.Conflict(
                $"The webhook is used by {users.Count} rule(s); change or delete them first.",
                new Dictionary<string, object?> { ["usedBy"] = users.Select(r => new { id = r.Id, name = r.Name }).ToArray() });
        }

        return await hooks.DeleteAsync(tenantId, id, context.RequestAborted) ? TypedResults.NoContent() : NotFound(id);
    }

    private static IResult NotFound(string id) => Problems.NotFound($"Webhook '{ConnectionsEndpoints.Safe(id)}' does not exist.");
}
