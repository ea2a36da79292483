using System.Net;

namespace BluBees.Engine.Egress;

/// <summary>The operating system's resolver.</summary>
internal sealed class SystemDnsResolver : IEgressResolver
{
    public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        await Dns.GetHostAddressesAsync(host, ct);
}
