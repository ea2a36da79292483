using Microsoft.AspNetCore.Http.Metadata;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The API contract as endpoint metadata, for the OpenAPI document (<see cref="OpenApiSetup"/>) and the UI types
/// generated from it. Handlers read bodies through <see cref="JsonBody"/> (size, depth and duplicate-key limits, errors
/// that name the field) and return <c>IResult</c>, so the framework cannot infer the types: each route states them
/// here, on its <c>Map…</c> line, and nowhere else. Errors are ProblemDetails sent as <c>application/json</c>
/// (<see cref="JsonErrors"/>).
/// </summary>
internal static class ApiContract
{
    private const string Json = "application/json";

    /// <summary>A JSON body of <typeparamref name="T"/>; a bad one is 400 with <c>errors</c>, an oversized one 413.</summary>
    public static RouteHandlerBuilder Reads<T>(this RouteHandlerBuilder builder) where T : notnull
        => builder.Accepts<T>(Json).ProducesValidationProblem(contentType: Json).Fails(StatusCodes.Status413PayloadTooLarge);

    /// <summary>A <typeparamref name="T"/> answer with <paramref name="status"/>.</summary>
    public static RouteHandlerBuilder Returns<T>(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK)
        => builder.Produces<T>(status, Json);

    /// <summary>204, no body.</summary>
    public static RouteHandlerBuilder ReturnsNoContent(this RouteHandlerBuilder builder) => builder.Produces(StatusCodes.Status204NoContent);

    /// <summary>Query parameters (read by the handler, which validates them and names the field on a 400).</summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, params string[] names)
        => builder.WithMetadata(new QueryParameters(names)).ProducesValidationProblem(contentType: Json);

    /// <summary>ProblemDetails answers with these statuses.</summary>
    public static RouteHandlerBuilder Fails(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status, Json);
        }

        return builder;
    }

    /// <summary>What every <c>/api</c> route may answer before its handler runs: 401 (token), 403 (Jira permission).</summary>
    public static RouteGroupBuilder WithApiContract(this RouteGroupBuilder group)
    {
        foreach (var status in new[] { StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden })
        {
            group.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), [Json]));
        }

        return group;
    }
}

/// <summary>Names of the optional string query parameters a handler reads itself.</summary>
internal sealed record QueryParameters(IReadOnlyList<string> Names);
