using BluBees.Engine.Validation;

namespace BluBees.Engine.Common;

/// <summary>Why an admin operation did not happen. Expected failures are values, not exceptions.</summary>
public enum OutcomeKind { Ok, NotFound, Invalid, Conflict }

/// <summary>The result of an admin operation: a value, or a failure the API maps to ProblemDetails.</summary>
public sealed record Outcome<T>(OutcomeKind Kind, T? Value, ValidationErrors? Errors = null, string? Detail = null, object? Extra = null)
{
    public static Outcome<T> Ok(T value) => new(OutcomeKind.Ok, value);
    public static Outcome<T> NotFound(string detail, object? extra = null) => new(OutcomeKind.NotFound, default, Detail: detail, Extra: extra);
    public static Outcome<T> Invalid(ValidationErrors errors) => new(OutcomeKind.Invalid, default, errors);
    public static Outcome<T> Conflict(string detail, object? extra = null) => new(OutcomeKind.Conflict, default, Detail: detail, Extra: extra);
}
