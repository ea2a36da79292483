using System.Net;

namespace BluBees.Engine.Egress;

/// <summary>The operator's address policy: the classifier, relaxed by AllowPrivateNetworks and AllowedNetworks.</summary>
internal sealed class DestinationPolicy
{
    private readonly bool _allowPrivateNetworks;
    private readonly IPNetwork[] _allowedNetworks;

    public DestinationPolicy(EgressOptions options)
    {
        _allowPrivateNetworks = options.AllowPrivateNetworks;
        _allowedNetworks = [.. (options.AllowedNetworks ?? []).Select(n => IPNetwork.Parse(n))];
    }

    public bool IsBlocked(IPAddress address, out string reason)
    {
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in _allowedNetworks)
        {
            if (network.Contains(plain))
            {
                reason = "";
                return false;
            }
        }

        return AddressClassifier.IsBlocked(address, _allowPrivateNetworks, out reason);
    }
}
