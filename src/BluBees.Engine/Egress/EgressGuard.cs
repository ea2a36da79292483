using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Egress;

/// <summary>
/// Owns the one <see cref="SocketsHttpHandler"/> used for tenant-configured URLs. Its connect callback
/// resolves the host once, refuses the connection when any address is blocked, and connects the socket to
/// an address it checked, so a second (rebound) DNS answer can never be used. Redirects, cookies, proxies
/// and HTTP/3 (which bypasses the connect callback) are off; <see cref="GuardedHttpClient"/> follows
/// redirects itself. Use <see cref="GuardedHttpClient"/>; this type is public only for registration.
/// </summary>
internal sealed class EgressGuard : IDisposable
{
    private readonly IEgressResolver _resolver;
    private readonly ILogger _logger;
    private readonly SocketsHttpHandler _handler;

    public EgressGuard(IOptions<EgressOptions> options, IEgressResolver resolver, ILogger<EgressGuard>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _resolver = resolver;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Policy = new DestinationPolicy(Options);
        _handler = new SocketsHttpHandler
        {
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, ct),
            ConnectTimeout = Options.ConnectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            Credentials = null,
            PreAuthenticate = false,
            // Decompressed bytes are what the body cap counts, so a compression bomb stops at the cap.
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate | DecompressionMethods.Brotli,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxResponseHeadersLength = 64,
            MaxResponseDrainSize = 16 * 1024,
            ResponseDrainTimeout = TimeSpan.FromSeconds(1),
            // Our trace context is none of a third party's business.
            ActivityHeadersPropagator = null,
        };
        Invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
    }

    internal EgressOptions Options { get; }

    internal DestinationPolicy Policy { get; }

    internal HttpMessageInvoker Invoker { get; }

    public void Dispose()
    {
        Invoker.Dispose();
        _handler.Dispose();
    }

    /// <summary>
    /// Resolves once, checks every address, connects only to checked addresses. A name with a blocked address fails
    /// exactly as a name that does not resolve (same failure, same message): otherwise a run's category would tell a
    /// tenant which names exist in the operator's private DNS. The operator's log line says which it was.
    /// </summary>
    internal async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, CancellationToken ct)
    {
        var host = endpoint.Host;
        var addresses = await ResolveAsync(host, ct);
        foreach (var address in addresses)
        {
            if (Policy.IsBlocked(address, out var reason))
            {
                var literal = EgressHost.Parse(host, out _) == HostKind.Literal;
                EgressLog.DestinationBlocked(_logger, literal ? "address" : "name", reason);
                throw literal
                    ? new EgressDeniedException(EgressFailure.BlockedDestination, EgressUrlValidator.Blocked(host))
                    : Unresolved(host);
            }
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(target, endpoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    private async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        switch (EgressHost.Parse(host, out var literal))
        {
            case HostKind.Literal:
                return [literal!];
            case HostKind.Invalid:
                throw new EgressDeniedException(EgressFailure.InvalidUrl, $"Host '{host}' is not a valid host name or address.");
        }

        IPAddress[] addresses;
        try
        {
            addresses = await _resolver.ResolveAsync(host, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            addresses = [];
        }

        return addresses.Length > 0 ? addresses : throw Unresolved(host);
    }

    private static EgressDeniedException Unresolved(string host) =>
        new(EgressFailure.ConnectionFailed, EgressUrlValidator.Unresolved(host));
}
