using BluBees.Engine.Validation;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Refuses a query parameter the route does not read (400 naming it, as a short plain name or <c>(property)</c>).
/// Names are matched ignoring case, as the handlers read them (<see cref="HttpRequest.Query"/>). Runs after the
/// group's token and permission checks, so an unknown caller learns nothing from it.
/// </summary>
internal sealed class UnknownQueryFilter(IReadOnlyList<string> names) : IEndpointFilter
{
    private readonly HashSet<string> _names = new(names, StringComparer.OrdinalIgnoreCase);
    private readonly string _known = string.Join(", ", names);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var errors = new ValidationErrors();
        foreach (var key in context.HttpContext.Request.Query.Keys)
        {
            if (!_names.Contains(key))
            {
                errors.Add(ValidationErrors.SafeName(key), $"is not a query parameter of this route: it reads {_known}");
            }
        }

        return errors.IsEmpty ? next(context) : ValueTask.FromResult<object?>(Problems.Invalid(errors));
    }
}
