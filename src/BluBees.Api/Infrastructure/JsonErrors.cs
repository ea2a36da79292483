namespace BluBees.Api.Infrastructure;

/// <summary>
/// Every error answer is a ProblemDetails body with content type <c>application/json</c>: <c>invokeRemote</c> in
/// @forge/bridge rejects a non-2xx answer whose content type is anything else (<c>application/problem+json</c>
/// included) and the body is lost to the UI
/// (https://developer.atlassian.com/platform/forge/apis-reference/ui-api-bridge/invokeRemote/; the remote contract
/// names <c>Content-Type: application/json</c>: https://developer.atlassian.com/platform/forge/remote/essentials/).
/// Error answers the framework leaves empty (no route: 404, wrong method: 405, other status-only answers) get a
/// ProblemDetails too.
/// </summary>
internal static class JsonErrors
{
    public const string ContentType = "application/json; charset=utf-8";

    public static IApplicationBuilder UseJsonErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var response = context.Response;
        response.OnStarting(() =>
        {
            UnreadBody.CloseIfLeftUnread(context);
            if (response.StatusCode >= 400 && response.ContentType is { } type
                && type.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = ContentType;
            }

            return Task.CompletedTask;
        });

        await next(context);

        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
        {
            var status = response.StatusCode;
            var (title, detail) = status switch
            {
                404 => ("Not found", "There is no such route: see docs/api.md for the routes of this API."),
                405 => ("Method not allowed", "The route does not accept this method; see the Allow header for those it does."), // the method is not echoed
                413 => ("Payload too large", "The body is too large."),
                415 => ("Unsupported media type", "The body must be JSON (Content-Type: application/json)."),
                _ => ("Error", "The request could not be served."),
            };
            await Problems.Write(context, status, title, detail);
        }
    });
}
