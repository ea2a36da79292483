using Microsoft.AspNetCore.Http.Metadata;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The API contract as endpoint metadata, for the OpenAPI document (<see cref="OpenApiSetup"/>) and the UI types
/// generated from it. Handlers return <c>Results&lt;…&gt;</c> of typed answers (<c>Ok&lt;T&gt;</c>, <c>Created&lt;T&gt;</c>,
/// <see cref="ProblemResult"/>s), from which the framework reads the responses. What a signature cannot say is stated
/// here, on the route's <c>Map…</c> line: the body type (handlers read bodies through <see cref="JsonBody"/>, for its
/// size, depth and duplicate-key limits and errors that name the field; its refusals are <see cref="BodyProblem"/>),
/// query parameters a handler validates itself, and what the <c>/api</c> group answers before any handler runs.
/// Errors are ProblemDetails sent as <c>application/json</c> (<see cref="JsonErrors"/>).
/// </summary>
internal static class ApiContract
{
    private const string Json = "application/json";

    /// <summary>A JSON body of <typeparamref name="T"/> (its refusals come from the handler's <see cref="BodyProblem"/>).</summary>
    public static RouteHandlerBuilder Reads<T>(this RouteHandlerBuilder builder) where T : notnull
        => builder.Accepts<T>(Json);

    /// <summary>
    /// Query parameters (read by the handler, which validates them and names the field in its <see cref="InvalidProblem"/>).
    /// Any other is refused, naming it: a misspelt filter (<c>?rule=</c> for <c>?ruleId=</c>) would otherwise be ignored
    /// and answer an unfiltered page as if it were the filtered one.
    /// </summary>
    public static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, params string[] names)
        => builder.WithMetadata(new QueryParameters(names)).AddEndpointFilter(new UnknownQueryFilter(names));

    /// <summary>
    /// As <see cref="Query"/>, for parameters the route cannot answer without (stated required in the document; the
    /// handler or the permission filter refuses a request without one, naming it).
    /// </summary>
    public static RouteHandlerBuilder RequiredQuery(this RouteHandlerBuilder builder, params string[] names)
        => builder.WithMetadata(new QueryParameters(names) { Required = true }).AddEndpointFilter(new UnknownQueryFilter(names));

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

/// <summary>Names of the string query parameters a handler reads itself (optional unless <see cref="Required"/>).</summary>
internal sealed record QueryParameters(IReadOnlyList<string> Names)
{
    public bool Required { get; init; }
}
