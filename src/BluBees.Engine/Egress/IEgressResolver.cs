using System.Net;

namespace BluBees.Engine.Egress;

/// <summary>
/// Name resolution for egress. The guard resolves once per connection, checks every address returned
/// and connects only to those addresses; tests substitute their own resolver.
/// </summary>
internal interface IEgressResolver
{
    /// <summary>Returns the addresses of <paramref name="host"/> (an IDN-encoded DNS name); empty when none.</summary>
    ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}
