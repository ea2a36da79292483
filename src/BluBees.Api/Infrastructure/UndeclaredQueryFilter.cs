using BluBees.Engine.Validation;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// For a group of routes (<c>/api</c>, <c>/support</c>): a route that declares no query parameter
/// (<see cref="ApiContract.Query"/>) refuses any (400 naming it, as a short plain name or <c>(property)</c>). Before, such
/// a route ignored every query string, so a caller that added a guard the route does not have
/// (<c>DELETE /api/connections/{id}?baseRevision=3</c>, <c>POST /api/rules/{id}/enable?baseVersion=4</c>) was answered as
/// if it had been checked, and deleted or changed what someone else had just saved. A route that declares parameters
/// is left to its own <see cref="UnknownQueryFilter"/>. Added after the group's token and permission checks, so an
/// unknown caller learns nothing from it.
/// </summary>
internal sealed class UndeclaredQueryFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.Query.Count == 0 || http.GetEndpoint()?.Metadata.GetMetadata<QueryParameters>() is not null)
        {
            return next(context);
        }

        var errors = new ValidationErrors();
        foreach (var key in http.Request.Query.Keys)
        {
            errors.Add(ValidationErrors.SafeName(key), "is not a query parameter of this route: it reads none");
        }

        return ValueTask.FromResult<object?>(Problems.Invalid(errors));
    }
}
