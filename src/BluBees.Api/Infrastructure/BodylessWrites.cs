using System.Buffers;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// A route that changes something but reads no body (every DELETE; enable, disable, restore, rotate-secret;
/// <c>/forge/scheduled</c>) acts only on a whole request. A body sent with it anyway is read to its end and dropped
/// before the route runs, so that a body the server cannot read — chunked framing that is broken, or cut short of its
/// <c>Content-Length</c> or its last chunk by a client that then goes away or stays silent — ends the request as it
/// does on a route that reads its body (<see cref="ErrorHandling"/>: a 400 or 408 ProblemDetails, or no answer to a
/// client already gone), and nothing is done. Before, such a route acted on the request head alone: a DELETE whose
/// chunked body was broken deleted and answered 204; a restore whose body was cut saved a new version.
/// A body over the server's limit is not waited for: the route acts, and the answer closes the connection
/// (<see cref="UnreadBody"/>), as it did before.
/// </summary>
internal static class BodylessWrites
{
    /// <summary>Marks a route that changes something and reads no body (docs/api.md, Errors).</summary>
    public static TBuilder TakesNoBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(Marker.Instance);

    /// <summary>Must run after authorization (a caller refused is not made to send its body) and before the endpoint.</summary>
    public static IApplicationBuilder UseWholeRequestBeforeBodylessWrites(this IApplicationBuilder app) => app.Use(static (context, next) =>
        context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null
        && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            ? ReadToEndThenAsync(context, next)
            : next(context));

    private static async Task ReadToEndThenAsync(HttpContext context, RequestDelegate next)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
            {
            }

            UnreadBody.MarkRead(context);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Over the server's limit and still arriving: not cut. The route acts; the answer closes the connection.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await next(context);
    }

    private sealed class Marker
    {
        public static readonly Marker Instance = new();
    }
}
