using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// ProblemDetails answers as types, so that a handler's <c>Results&lt;…&gt;</c> signature states its error answers
/// and the OpenAPI document (<see cref="OpenApiSetup"/>) reads them from there. Each type wraps the answer
/// <see cref="Problems"/> built (same status, same body) and declares its status and schema with the content type
/// every error is sent with (<c>application/json</c>: <see cref="JsonErrors"/>). The framework's own
/// <c>ProblemHttpResult</c> carries any status and so declares none; <c>ValidationProblem</c> declares
/// <c>application/problem+json</c>, which the UI never receives.
/// </summary>
internal abstract class ProblemResult : IResult, IStatusCodeHttpResult, IValueHttpResult
{
    internal const string ContentType = "application/json";

    private readonly IResult _inner;

    private protected ProblemResult(IResult inner) => _inner = inner;

    public int? StatusCode => (_inner as IStatusCodeHttpResult)?.StatusCode;

    public object? Value => (_inner as IValueHttpResult)?.Value;

    public virtual Task ExecuteAsync(HttpContext httpContext) => _inner.ExecuteAsync(httpContext);

    private protected static void Declare(EndpointBuilder builder, int status, Type? type = null)
        => builder.Metadata.Add(new ProducesResponseTypeMetadata(status, type ?? typeof(ProblemDetails), [ContentType]));
}

/// <summary>400 with <c>errors</c> naming the fields.</summary>
internal sealed class InvalidProblem : ProblemResult, IEndpointMetadataProvider
{
    internal InvalidProblem(IResult inner) : base(inner) { }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
}

/// <summary>A JSON body refused by <see cref="JsonBody"/>: 400 naming the field, 413 too large, 415 not JSON.</summary>
internal sealed class BodyProblem : ProblemResult, IEndpointMetadataProvider
{
    internal BodyProblem(IResult inner) : base(inner) { }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        Declare(builder, StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
        Declare(builder, StatusCodes.Status413PayloadTooLarge);
        Declare(builder, StatusCodes.Status415UnsupportedMediaType);
    }
}

/// <summary>404.</summary>
internal sealed class NotFoundProblem : ProblemResult, IEndpointMetadataProvider
{
    internal NotFoundProblem(IResult inner) : base(inner) { }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status404NotFound);
}

/// <summary>409 (may name fields in <c>errors</c>, and say more in extensions such as <c>usedBy</c>).</summary>
internal sealed class ConflictProblem : ProblemResult, IEndpointMetadataProvider
{
    internal ConflictProblem(IResult inner) : base(inner) { }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status409Conflict);
}

/// <summary>403 decided by the handler (Jira's answer about an issue, a caller without a user).</summary>
internal sealed class ForbiddenProblem : ProblemResult, IEndpointMetadataProvider
{
    internal ForbiddenProblem(IResult inner) : base(inner) { }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status403Forbidden);
}

/// <summary>503: a dependency (Jira) did not answer in time; retry shortly.</summary>
internal sealed class UnavailableProblem : ProblemResult, IEndpointMetadataProvider
{
    internal UnavailableProblem(IResult inner, int? retryAfterSeconds = null) : base(inner) => RetryAfterSeconds = retryAfterSeconds;

    /// <summary>
    /// Sent as <c>Retry-After</c> when set. The answer carries its own header, so a handler that refuses work needs
    /// no <see cref="HttpResponse"/> parameter to set it.
    /// </summary>
    public int? RetryAfterSeconds { get; }

    public override Task ExecuteAsync(HttpContext httpContext)
    {
        if (RetryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return base.ExecuteAsync(httpContext);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status503ServiceUnavailable);
}

/// <summary>429: the tenant's share of a shared resource is in use (its dry runs in flight); retry after <c>Retry-After</c>.</summary>
internal sealed class TooManyRequestsProblem : ProblemResult, IEndpointMetadataProvider
{
    internal TooManyRequestsProblem(IResult inner, int retryAfterSeconds) : base(inner) => RetryAfterSeconds = retryAfterSeconds;

    /// <summary>Sent as <c>Retry-After</c>.</summary>
    public int RetryAfterSeconds { get; }

    public override Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return base.ExecuteAsync(httpContext);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status429TooManyRequests);
}

/// <summary>502: a dependency (Jira) answered something unusable.</summary>
internal sealed class BadGatewayProblem : ProblemResult, IEndpointMetadataProvider
{
    internal BadGatewayProblem(IResult inner) : base(inner) { }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => Declare(builder, StatusCodes.Status502BadGateway);
}
