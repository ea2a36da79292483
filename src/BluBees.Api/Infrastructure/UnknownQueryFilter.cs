using BluBees.Engine.Validation;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// Refuses a query parameter the route does not read (400 naming it, as a short plain name or <c>(property)</c>), and
/// one it reads given more than once (400 naming it): the handlers read the values joined, and two empty ones
/// (<c>?cursor=&amp;cursor=</c>) read as none, a first page instead of a refusal. Names are matched ignoring case, as the
/// handlers read them (<see cref="HttpRequest.Query"/>). Runs after the group's token and permission checks, so an
/// unknown caller learns nothing from it.
/// </summary>
internal sealed class UnknownQueryFilter(IReadOnlyList<string> names) : IEndpointFilter
{
    private readonly HashSet<string> _names = new(names, StringComparer.OrdinalIgnoreCase);
    private readonly string _known = string.Join(", ", names);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var errors = new ValidationErrors();
        var query = context.HttpContext.Request.Query;
        foreach (var key in query.Keys)
        {
            if (!_names.TryGetValue(key, out var name))
            {
                errors.Add(ValidationErrors.SafeName(key), $"is not a query parameter of this route: it reads {_known}");
            }
            else if (query[key].Count > 1)
            {
                errors.Add(name, "is given more than once: give it once");
            }
        }

        return errors.IsEmpty ? next(context) : ValueTask.FromResult<object?>(Problems.Invalid(errors));
    }
}
