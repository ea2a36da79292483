using System.Net;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The address of the TCP peer as the server accepted the connection, recorded before any middleware runs. The host
/// adds the framework's forwarded-headers middleware in front of the app's own pipeline when
/// <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> is true (with every proxy trusted), and it rewrites
/// <see cref="ConnectionInfo.RemoteIpAddress"/> from the caller's own <c>X-Forwarded-For</c>: a caller on the network
/// that sent <c>X-Forwarded-For: 127.0.0.1</c> looked like a loopback caller. The recording middleware is the
/// outermost startup filter (registered first), so it sees the address before anything rewrites it.
/// </summary>
internal static class TransportPeer
{
    private static readonly object Key = new();

    /// <summary>Registers the recording as the first startup filter: the host applies the first registered outermost.</summary>
    public static IServiceCollection AddTransportPeer(this IServiceCollection services)
    {
        services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter, RecordingFilter>());
        return services;
    }

    /// <summary>The peer's address as accepted; null when it was not recorded (then no caller counts as loopback).</summary>
    public static IPAddress? Of(HttpContext context) => context.Items.TryGetValue(Key, out var value) ? value as IPAddress : null;

    private sealed class RecordingFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(static (context, nextMiddleware) =>
            {
                if (context.Connection.RemoteIpAddress is { } address)
                {
                    context.Items[Key] = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
