using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Observability;

/// <summary>
/// The one redaction point every log line passes, whoever wrote it and whatever level the operator turned on: the
/// <see cref="ILoggerFactory"/> is decorated, so the framework's loggers (Kestrel, hosting, routing, the generic host)
/// go through it as well as ours. Our own lines are templates over metadata and pass unchanged; what the framework
/// writes is cut where it would carry request data: an exception is reduced to its types and stack (its message can
/// quote a header line, a URL or a body), the hosting's request lines lose the query string and the <c>Host</c>
/// header, and Kestrel's bad-request lines lose the raw request line or header line it quotes
/// (<see cref="FrameworkLogRules"/>). Before, with <c>Logging:LogLevel:Microsoft.AspNetCore</c> at Information or
/// Debug, a caller's <c>?token=…</c>, a malformed <c>Authorization</c> line and any exception text reached the log.
/// </summary>
internal static class LogRedaction
{
    public static IServiceCollection AddLogRedaction(this IServiceCollection services)
    {
        // The same factory AddLogging registers (its four-parameter constructor, as the container would choose), inside the decorator.
        services.RemoveAll<ILoggerFactory>();
        services.AddSingleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>())));
        return services;
    }
}

/// <summary>Hands out <see cref="RedactingLogger"/>s over the real factory's loggers.</summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), FrameworkLogRules.For(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
