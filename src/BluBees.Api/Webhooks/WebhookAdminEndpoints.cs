using BluBees.Api.Admin;
using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using BluBees.Engine.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Webhooks;

/// <summary>
/// <c>/api/webhooks</c>: list, create, read, delete, rotate the secret. The secret is in the answer to create
/// and rotate only; every other answer says <c>secretSet: true</c>.
/// </summary>
internal sealed class WebhookAdminEndpoints(WebhookService hooks)
{
    public async Task<Ok<ItemsResponse<WebhookView>>> ListAsync(VerifiedTenant tenant, CancellationToken ct)
        => TypedResults.Ok(new ItemsResponse<WebhookView>([.. (await hooks.ListAsync(tenant.Id, ct)).Select(WebhookView.From)]));

    public async Task<Results<Ok<WebhookView>, NotFoundProblem>> GetAsync(string id, VerifiedTenant tenant, CancellationToken ct)
        => await hooks.GetForAdminAsync(tenant.Id, id, ct) is { } hook
            ? TypedResults.Ok(WebhookView.From(hook))
            : NotFound(id);

    public async Task<Results<Created<WebhookWithSecret>, BodyProblem, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> CreateAsync(
        VerifiedTenant tenant, HttpRequest request, CancellationToken ct)
    {
        var (input, problem) = await JsonBody.ReadAsync<WebhookInput>(request, 4 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await hooks.CreateAsync(tenant.Id, input!, ct);
        return outcome.Value is { } created ? TypedResults.Created($"/api/webhooks/{created.Id}", created) : Problems.From(outcome);
    }

    public async Task<Results<Ok<WebhookWithSecret>, NotFoundProblem, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> RotateSecretAsync(
        string id, VerifiedTenant tenant, CancellationToken ct)
    {
        var outcome = await hooks.RotateSecretAsync(tenant.Id, id, ct);
        return outcome.Value is { } rotated ? TypedResults.Ok(rotated) : outcome.Kind == Engine.Common.OutcomeKind.NotFound ? NotFound(id) : Problems.From(outcome);
    }

    public async Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteAsync(string id, VerifiedTenant tenant, RuleService rules, IStore store, TimeProvider time, CancellationToken ct)
    {
        if (await hooks.GetForAdminAsync(tenant.Id, id, ct) is null)
        {
            return NotFound(id);
        }

        // Marked first, rules read second (ReferenceGuard): a rule saved at the same moment sees the mark or is seen.
        var mark = await ReferenceGuard.MarkAsync(store, time, tenant.Id, Keys.Webhook(id), ct);
        try
        {
            var users = (await rules.ListStoredHeadsAsync(tenant.Id, ct)).Select(h => h.Head).Where(r => r.WebhookId == id).ToList();
            if (users.Count > 0)
            {
                return Problems.Conflict(
                    $"The webhook is used by {users.Count} rule(s); change or delete them first.",
                    new Dictionary<string, object?> { ["usedBy"] = users.Select(r => new { id = r.Id, name = r.Name }).ToArray() });
            }

            return await hooks.DeleteAsync(tenant.Id, id, ct) ? TypedResults.NoContent() : NotFound(id);
        }
        finally
        {
            await ReferenceGuard.UnmarkAsync(store, tenant.Id, mark);
        }
    }

    private static NotFoundProblem NotFound(string id) => Problems.NotFound($"Webhook '{ConnectionsEndpoints.Safe(id)}' does not exist.");
}
