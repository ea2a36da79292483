using System.Net;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) is a private range: an operator with
/// Egress:AllowPrivateNetworks (or an AllowedNetworks range over it) reaches it through a site NAT64 gateway, which
/// translates the IPv4 address embedded at one of RFC 6052's positions (prefix /48, /56, /64 or /96). A metadata
/// address embedded so must stay blocked, as it does in the well-known prefix 64:ff9b::/96, 6to4 and the mapped forms.
/// </summary>
public sealed class LocalUseNat64MetadataTests
{
    // 169.254.169.254 = a9 fe a9 fe; 169.254.170.2 = a9 fe aa 02; 100.100.100.200 = 64 64 64 c8.
    [TestCase("64:ff9b:1::a9fe:a9fe", TestName = "/96 169.254.169.254")]
    [TestCase("64:ff9b:1:0:a9:fea9:fe00:0", TestName = "/64 169.254.169.254")]
    [TestCase("64:ff9b:1:a9:fe:a9fe::", TestName = "/56 169.254.169.254")]
    [TestCase("64:ff9b:1:a9fe:a9:fe00::", TestName = "/48 169.254.169.254")]
    [TestCase("64:ff9b:1::a9fe:aa02", TestName = "/96 169.254.170.2")]
    [TestCase("64:ff9b:1::6464:64c8", TestName = "/96 100.100.100.200")]
    public void A_metadata_address_in_the_local_use_nat64_prefix_stays_blocked(string address)
    {
        var ip = IPAddress.Parse(address);
        var underPrivate = new DestinationPolicy(new EgressOptions { AllowPrivateNetworks = true });
        var underAllowed = new DestinationPolicy(new EgressOptions { AllowedNetworks = ["64:ff9b:1::/48"] });

        Assert.That(underPrivate.IsBlocked(ip, out var reason), Is.True, "AllowPrivateNetworks opened a metadata endpoint");
        Assert.That(reason, Does.Contain("cloud metadata"));
        Assert.That(underAllowed.IsBlocked(ip, out _), Is.True, "AllowedNetworks opened a metadata endpoint");
        Assert.That(AddressClassifier.IsBlocked(ip, out _), Is.True);
    }

    [TestCase("64:ff9b:1::a00:1")]
    [TestCase("64:ff9b:1::808:808")]
    [TestCase("64:ff9b:1:ffff::808:808")]
    public void The_rest_of_the_local_use_prefix_stays_a_private_network(string address)
    {
        var ip = IPAddress.Parse(address);

        Assert.That(AddressClassifier.Classify(ip, out _), Is.EqualTo(AddressKind.Private));
        Assert.That(new DestinationPolicy(new EgressOptions { AllowPrivateNetworks = true }).IsBlocked(ip, out _), Is.False);
    }
}
