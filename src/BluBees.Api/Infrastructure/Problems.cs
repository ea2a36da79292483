using BluBees.Engine.Common;
using BluBees.Engine.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// RFC 7807 ProblemDetails, built one way everywhere. Details never echo customer data. Sent as <c>application/json</c>
/// (see <see cref="JsonErrors"/>: Forge's invokeRemote loses any other error body).
/// </summary>
internal static class Problems
{
    public static ProblemHttpResult Status(int status, string title, string detail, IDictionary<string, object?>? extensions = null)
        => TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail, Type = TypeFor(status), Extensions = extensions ?? new Dictionary<string, object?>() });

    public static InvalidProblem Invalid(ValidationErrors errors, string detail = "The request has invalid fields; see errors.")
        => new(TypedResults.ValidationProblem(errors.ToDictionary(), detail: detail, title: "Validation failed", type: TypeFor(400)));

    public static InvalidProblem Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return Invalid(errors, $"{ValidationErrors.SafePath(field)}: {ValidationErrors.Bound(message)}");
    }

    public static NotFoundProblem NotFound(string detail) => new(Status(404, "Not found", detail));

    public static ConflictProblem Conflict(string detail, IDictionary<string, object?>? extensions = null) => new(Status(409, "Conflict", detail, extensions));

    public static ForbiddenProblem Forbidden(string detail, IDictionary<string, object?>? extensions = null) => new(Status(403, "Forbidden", detail, extensions));

    public static UnavailableProblem Unavailable(string title, string detail, IDictionary<string, object?>? extensions = null, int? retryAfterSeconds = null)
        => new(Status(503, title, detail, extensions), retryAfterSeconds);

    public static TooManyRequestsProblem TooManyRequests(string title, string detail, int retryAfterSeconds)
        => new(Status(429, title, detail), retryAfterSeconds);

    public static BadGatewayProblem BadGateway(string title, string detail) => new(Status(502, title, detail));

    /// <summary>Maps a failed engine outcome to its ProblemDetails.</summary>
    public static Results<NotFoundProblem, InvalidProblem, ConflictProblem> From<T>(Outcome<T> outcome, IDictionary<string, object?>? extensions = null) => outcome.Kind switch
    {
        OutcomeKind.NotFound => new NotFoundProblem(Status(404, "Not found", outcome.Detail!, outcome.Extra as IDictionary<string, object?>)),
        OutcomeKind.Invalid => Invalid(outcome.Errors!),
        OutcomeKind.Conflict => Conflict(outcome.Detail!, WithConflictFields(outcome, extensions)),
        _ => throw new InvalidOperationException("Not a failure."),
    };

    /// <summary>
    /// 409 for a rule (or one of its versions) a later build saved that this build cannot read (a rollback), with
    /// <c>reason</c> <c>saved_by_newer_version</c> and what to do; never the stored content.
    /// </summary>
    public static ConflictProblem RuleSavedByNewerVersion(string id, int? version = null)
        => (ConflictProblem)From(Engine.Rules.RuleService.SavedByNewerVersion<object>(id, version)).Result;

    /// <summary>A conflict about a field (a duplicate name) names it in <c>errors</c>, as validation problems do.</summary>
    private static IDictionary<string, object?>? WithConflictFields<T>(Outcome<T> outcome, IDictionary<string, object?>? extensions)
    {
        if (outcome.Errors is null && outcome.Extra is not IDictionary<string, object?>)
        {
            return extensions;
        }

        var merged = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>());
        if (outcome.Errors is { } errors)
        {
            merged["errors"] = errors.ToDictionary();
        }

        foreach (var (key, value) in outcome.Extra as IDictionary<string, object?> ?? new Dictionary<string, object?>())
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>Writes a ProblemDetails directly (authentication challenges, middleware).</summary>
    public static Task Write(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ProblemDetails { Status = status, Title = title, Detail = detail, Type = TypeFor(status) },
            options: null, contentType: JsonErrors.ContentType);
    }

    public static string TypeFor(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => "https://tools.ietf.org/html/rfc9110#section-15",
    };
}
