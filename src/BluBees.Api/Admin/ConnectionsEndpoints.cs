using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Connections;
using BluBees.Engine.Rules;
using BluBees.Engine.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BluBees.Api.Admin;

/// <summary><c>/api/connections</c>: CRUD. Secrets are write-only: they go in, never come out.</summary>
internal static class ConnectionsEndpoints
{
    public static RouteGroupBuilder MapConnections(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/connections");
        group.MapGet("/", ListAsync);
        group.MapPost("/", CreateAsync).Reads<ConnectionInput>();
        group.MapGet("/{id}", GetAsync);
        group.MapPut("/{id}", UpdateAsync).Reads<ConnectionInput>().Query("baseRevision");
        group.MapDelete("/{id}", DeleteAsync).TakesNoBody();
        return api;
    }

    internal static async Task<Ok<ItemsResponse<ConnectionView>>> ListAsync(VerifiedTenant tenant, ConnectionService connections, CancellationToken ct)
        => TypedResults.Ok(new ItemsResponse<ConnectionView>([.. (await connections.ListAsync(tenant.Id, ct)).Select(ConnectionView.From)]));

    internal static async Task<Results<Ok<ConnectionView>, NotFoundProblem>> GetAsync(string id, VerifiedTenant tenant, ConnectionService connections, CancellationToken ct)
        => await connections.GetForAdminAsync(tenant.Id, id, ct) is { } c
            ? TypedResults.Ok(ConnectionView.From(c))
            : Problems.NotFound($"Connection '{Safe(id)}' does not exist.");

    internal static async Task<Results<Created<ConnectionView>, BodyProblem, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> CreateAsync(
        VerifiedTenant tenant, HttpRequest request, ConnectionService connections, CancellationToken ct)
    {
        var (input, problem) = await JsonBody.ReadAsync<ConnectionInput>(request, 32 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await connections.CreateAsync(tenant.Id, input!, ct);
        return outcome.Value is { } c ? TypedResults.Created($"/api/connections/{c.Id}", ConnectionView.From(c)) : Problems.From(outcome);
    }

    internal static async Task<Results<Ok<ConnectionView>, BodyProblem, Results<NotFoundProblem, InvalidProblem, ConflictProblem>>> UpdateAsync(
        string id, VerifiedTenant tenant, HttpRequest request, ConnectionService connections, CancellationToken ct)
    {
        // ?baseRevision=N: the revision the editor opened (GET/list `revision`); a connection saved since then is a 409
        // (connection_changed), not overwritten. Optional, as the rules' baseVersion is: without it the save is unconditional.
        int? baseRevision = null;
        if (request.Query["baseRevision"].ToString() is { Length: > 0 } b)
        {
            if (!int.TryParse(b, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var opened))
            {
                return (Results<NotFoundProblem, InvalidProblem, ConflictProblem>)Problems.Invalid("baseRevision", "must be the connection's revision (a whole number from 0)");
            }

            baseRevision = opened;
        }

        var (input, problem) = await JsonBody.ReadAsync<ConnectionInput>(request, 32 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await connections.UpdateAsync(tenant.Id, id, input!, ct, baseRevision);
        return outcome.Value is { } c ? TypedResults.Ok(ConnectionView.From(c)) : Problems.From(outcome);
    }

    internal static async Task<Results<NoContent, NotFoundProblem, ConflictProblem>> DeleteAsync(
        string id, VerifiedTenant tenant, ConnectionService connections, RuleService rules, IStore store, TimeProvider time, CancellationToken ct)
    {
        if (await connections.GetForAdminAsync(tenant.Id, id, ct) is null)
        {
            return Problems.NotFound($"Connection '{Safe(id)}' does not exist.");
        }

        // Marked first, rules read second (ReferenceGuard): a rule saved at the same moment sees the mark or is seen.
        var mark = await ReferenceGuard.MarkAsync(store, time, tenant.Id, Keys.Connection(id), ct);
        try
        {
            var users = await rules.UsingConnectionAsync(tenant.Id, id, ct);
            if (users.Count > 0)
            {
                return Problems.Conflict(
                    $"The connection is used by {users.Count} rule(s); change or delete them first.",
                    new Dictionary<string, object?> { ["usedBy"] = users.Select(r => new { id = r.Id, name = r.Name }).ToArray() });
            }

            return await connections.DeleteAsync(tenant.Id, id, ct)
                ? TypedResults.NoContent()
                : Problems.NotFound($"Connection '{Safe(id)}' does not exist.");
        }
        finally
        {
            await ReferenceGuard.UnmarkAsync(store, tenant.Id, mark);
        }
    }

    /// <summary>Ids are echoed in messages only when they look like ids.</summary>
    internal static string Safe(string id) => BluBees.Engine.Common.Ids.Shown(id);
}

internal sealed record ItemsResponse<T>(IReadOnlyList<T> Items);
