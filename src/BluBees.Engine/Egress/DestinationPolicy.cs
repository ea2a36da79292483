using System.Net;

namespace BluBees.Engine.Egress;

/// <summary>
/// The operator's address policy: the classifier, relaxed by AllowPrivateNetworks and AllowedNetworks. Cloud
/// metadata endpoints stay blocked whatever either says: an allowed range that covers one (169.254.0.0/16,
/// 100.64.0.0/10, fd00::/8) opens the rest of the range, never the metadata address.
/// </summary>
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
        if (AddressClassifier.Classify(address, out reason) == AddressKind.Metadata)
        {
            return true;
        }

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
