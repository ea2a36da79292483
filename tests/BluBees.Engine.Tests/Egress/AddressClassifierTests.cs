using System.Net;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

public sealed class AddressClassifierTests
{
    [TestCase("127.0.0.1", "loopback")]
    [TestCase("127.255.255.254", "loopback")]
    [TestCase("10.0.0.1", "private")]
    [TestCase("10.255.255.255", "private")]
    [TestCase("172.16.0.1", "private")]
    [TestCase("172.31.255.255", "private")]
    [TestCase("192.168.1.1", "private")]
    [TestCase("169.254.0.1", "link-local")]
    [TestCase("169.254.169.254", "metadata")]
    [TestCase("169.254.170.2", "metadata")]
    [TestCase("100.100.100.200", "metadata")]
    [TestCase("100.64.0.1", "CGNAT")]
    [TestCase("100.127.255.254", "CGNAT")]
    [TestCase("224.0.0.1", "multicast")]
    [TestCase("239.255.255.250", "multicast")]
    [TestCase("0.0.0.0", "unspecified")]
    [TestCase("0.1.2.3", "this network")]
    [TestCase("255.255.255.255", "broadcast")]
    [TestCase("240.0.0.1", "reserved")]
    [TestCase("198.18.0.1", "benchmarking")]
    [TestCase("198.19.255.255", "benchmarking")]
    [TestCase("192.0.2.1", "documentation")]
    [TestCase("198.51.100.7", "documentation")]
    [TestCase("203.0.113.9", "documentation")]
    [TestCase("192.0.0.1", "IETF")]
    [TestCase("192.0.0.170", "IETF")]
    [TestCase("::1", "loopback")]
    [TestCase("::", "unspecified")]
    [TestCase("fc00::1", "unique local")]
    [TestCase("fd12:3456::1", "unique local")]
    [TestCase("fe80::1", "link-local")]
    [TestCase("fe80::1%2", "link-local")]
    [TestCase("febf::1", "link-local")]
    [TestCase("fec0::1", "site-local")]
    [TestCase("ff02::1", "multicast")]
    [TestCase("ff05::2", "multicast")]
    [TestCase("fd00:ec2::254", "metadata")]
    [TestCase("::ffff:127.0.0.1", "IPv4-mapped loopback")]
    [TestCase("::ffff:10.0.0.1", "IPv4-mapped private")]
    [TestCase("::ffff:169.254.169.254", "IPv4-mapped cloud metadata")]
    [TestCase("::127.0.0.1", "IPv4-compatible loopback")]
    [TestCase("::10.0.0.1", "IPv4-compatible private")]
    [TestCase("::0.0.0.2", "IPv4-compatible unspecified")]
    [TestCase("64:ff9b::7f00:1", "NAT64 loopback")]
    [TestCase("64:ff9b::a9fe:a9fe", "NAT64 cloud metadata")]
    [TestCase("64:ff9b:1::a00:1", "local-use NAT64")]
    [TestCase("64:ff9b:1:ffff::808:808", "local-use NAT64")]
    [TestCase("2002:7f00:1::1", "6to4 loopback")]
    [TestCase("2002:a9fe:a9fe::", "6to4 cloud metadata")]
    [TestCase("2002:c0a8:101::1", "6to4 private")]
    [TestCase("2001::1", "Teredo")]
    [TestCase("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    [TestCase("2001:db8::1", "documentation")]
    [TestCase("3fff::1", "documentation")]
    [TestCase("2001:2::1", "benchmarking")]
    [TestCase("2001:10::1", "ORCHID")]
    [TestCase("100::1", "discard")]
    [TestCase("::ffff:0:a00:1", "reserved")]
    [TestCase("4000::1", "reserved")]
    [TestCase("5f00::1", "reserved")]
    public void BlocksNonPublicAddresses(string address, string reason)
    {
        var blocked = AddressClassifier.IsBlocked(IPAddress.Parse(address), out var why);

        Assert.That(blocked, Is.True);
        Assert.That(why, Does.Contain(reason).IgnoreCase);
    }

    [TestCase("8.8.8.8")]
    [TestCase("1.1.1.1")]
    [TestCase("100.63.255.255")]
    [TestCase("100.128.0.0")]
    [TestCase("172.15.255.255")]
    [TestCase("172.32.0.0")]
    [TestCase("192.169.0.1")]
    [TestCase("198.17.255.255")]
    [TestCase("198.20.0.0")]
    [TestCase("223.255.255.255")]
    [TestCase("169.253.255.255")]
    [TestCase("2606:4700::1111")]
    [TestCase("2a00:1450:4001:80b::200e")]
    [TestCase("::ffff:8.8.8.8")]
    [TestCase("64:ff9b::808:808")]
    [TestCase("2002:808:808::1")]
    public void AllowsPublicAddresses(string address)
    {
        Assert.That(AddressClassifier.IsBlocked(IPAddress.Parse(address), out var why), Is.False, why);
    }

    [TestCase("127.0.0.1")]
    [TestCase("10.1.2.3")]
    [TestCase("192.168.0.10")]
    [TestCase("fd12::1")]
    [TestCase("::ffff:172.16.0.5")]
    [TestCase("100.64.1.1")]
    public void AllowPrivateNetworksOpensPrivateRanges(string address)
    {
        Assert.That(AddressClassifier.IsBlocked(IPAddress.Parse(address), allowPrivateNetworks: true, out _), Is.False);
    }

    [TestCase("169.254.169.254")]
    [TestCase("::ffff:169.254.169.254")]
    [TestCase("fd00:ec2::254")]
    [TestCase("0.0.0.0")]
    [TestCase("::")]
    [TestCase("224.0.0.251")]
    [TestCase("255.255.255.255")]
    [TestCase("240.0.0.1")]
    [TestCase("203.0.113.1")]
    [TestCase("2001::1")]
    public void AllowPrivateNetworksNeverOpensMetadataMulticastOrReserved(string address)
    {
        Assert.That(AddressClassifier.IsBlocked(IPAddress.Parse(address), allowPrivateNetworks: true, out _), Is.True);
    }
}
