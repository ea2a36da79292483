using BluBees.Api.Auth;
using BluBees.Api.Infrastructure;
using BluBees.Engine.Connections;
using BluBees.Engine.Rules;

namespace BluBees.Api.Admin;

/// <summary><c>/api/connections</c>: CRUD. Secrets are write-only: they go in, never come out.</summary>
internal static class ConnectionsEndpoints
{
    public static RouteGroupBuilder MapConnections(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/connections");
        group.MapGet("/", ListAsync).Returns<ItemsResponse<ConnectionView>>();
        group.MapPost("/", CreateAsync).Reads<ConnectionInput>().Returns<ConnectionView>(201).Fails(409);
        group.MapGet("/{id}", GetAsync).Returns<ConnectionView>().Fails(404);
        group.MapPut("/{id}", UpdateAsync).Reads<ConnectionInput>().Returns<ConnectionView>().Fails(404, 409);
        group.MapDelete("/{id}", DeleteAsync).ReturnsNoContent().Fails(404, 409);
        return api;
    }

    internal static async Task<IResult> ListAsync(HttpContext context, ConnectionService connections)
        => TypedResults.Ok(new ItemsResponse<ConnectionView>([.. (await connections.ListAsync(context.Tenant().TenantId, context.RequestAborted)).Select(ConnectionView.From)]));

    internal static async Task<IResult> GetAsync(string id, HttpContext context, ConnectionService connections)
        => await connections.GetAsync(context.Tenant().TenantId, id, context.RequestAborted) is { } c
            ? TypedResults.Ok(ConnectionView.From(c))
            : Problems.NotFound($"Connection '{Safe(id)}' does not exist.");

    internal static async Task<IResult> CreateAsync(HttpContext context, ConnectionService connections)
    {
        var (input, problem) = await JsonBody.ReadAsync<ConnectionInput>(context.Request, 32 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await connections.CreateAsync(context.Tenant().TenantId, input!, context.RequestAborted);
        return outcome.Value is { } c ? TypedResults.Created($"/api/connections/{c.Id}", ConnectionView.From(c)) : Problems.From(outcome);
    }

    internal static async Task<IResult> UpdateAsync(string id, HttpContext context, ConnectionService connections)
    {
        var (input, problem) = await JsonBody.ReadAsync<ConnectionInput>(context.Request, 32 * 1024);
        if (problem is not null)
        {
            return problem;
        }

        var outcome = await connections.UpdateAsync(context.Tenant().TenantId, id, input!, context.RequestAborted);
        return outcome.Value is { } c ? TypedResults.Ok(ConnectionView.From(c)) : Problems.From(outcome);
    }

    internal static async Task<IResult> DeleteAsync(string id, HttpContext context, ConnectionService connections, RuleService rules)
    {
        var tenantId = context.Tenant().TenantId;
        var users = await rules.UsingConnectionAsync(tenantId, id, context.RequestAborted);
        if (users.Count > 0)
        {
            return Problems.Conflict(
                $"The connection is used by {users.Count} rule(s); change or delete them first.",
                new Dictionary<string, object?> { ["usedBy"] = users.Select(r => new { id = r.Id, name = r.Name }).ToArray() });
        }

        return await connections.DeleteAsync(tenantId, id, context.RequestAborted)
            ? TypedResults.NoContent()
            : Problems.NotFound($"Connection '{Safe(id)}' does not exist.");
    }

    /// <summary>Ids are echoed in messages only when they look like ids.</summary>
    internal static string Safe(string id) => BluBees.Engine.Common.Ids.IsWellFormed(id) ? id : "(invalid id)";
}

internal sealed record ItemsResponse<T>(IReadOnlyList<T> Items);
