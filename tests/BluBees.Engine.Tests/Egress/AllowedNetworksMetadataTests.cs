using System.Net;
using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

/// <summary>
/// README calls Egress:AllowedNetworks "narrower than" AllowPrivateNetworks, which keeps metadata endpoints blocked;
/// an operator allowing the link-local range for one on-prem appliance (or a broad range) must not open the cloud
/// metadata endpoints to every tenant's rules. (Found by an adversarial sweep.)
/// </summary>
public sealed class AllowedNetworksMetadataTests
{
    [TestCase("169.254.0.0/16", "169.254.169.254")]
    [TestCase("169.254.0.0/16", "169.254.170.2")]
    [TestCase("100.64.0.0/10", "100.100.100.200")]
    [TestCase("0.0.0.0/0", "169.254.169.254")]
    [TestCase("169.254.0.0/16", "::ffff:169.254.169.254")]
    [TestCase("fd00::/8", "fd00:ec2::254")]
    [TestCase("::/0", "fd00:ec2::254")]
    public void An_allowed_network_does_not_open_a_metadata_endpoint(string allowed, string metadata)
    {
        var policy = new DestinationPolicy(new EgressOptions { AllowedNetworks = [allowed] });
        Assert.That(policy.IsBlocked(IPAddress.Parse(metadata), out var reason), Is.True,
            "cloud metadata must stay blocked, as it does under AllowPrivateNetworks");
        Assert.That(reason, Does.Contain("cloud metadata"));
    }

    [TestCase("169.254.0.0/16", "169.254.10.20")]
    [TestCase("100.64.0.0/10", "100.100.100.201")]
    [TestCase("fd00::/8", "fd00:ec2::253")]
    public void The_rest_of_the_range_stays_open(string allowed, string address)
    {
        var policy = new DestinationPolicy(new EgressOptions { AllowedNetworks = [allowed] });
        Assert.That(policy.IsBlocked(IPAddress.Parse(address), out _), Is.False);
    }

    [Test]
    public async Task A_name_resolving_to_metadata_inside_an_allowed_range_is_not_called()
    {
        var options = new EgressOptions { AllowHttp = true, AllowedNetworks = ["169.254.0.0/16"] };
        using var kit = new EgressTestKit(options, new FakeResolver().Map("appliance.test", "169.254.169.254"));

        var response = await kit.GetAsync("http://appliance.test/latest/meta-data/");
        var literal = await kit.GetAsync("http://169.254.169.254/latest/meta-data/");

        Assert.That(response.Failure, Is.Not.EqualTo(EgressFailure.None), response.Error);
        Assert.That(literal.Failure, Is.EqualTo(EgressFailure.BlockedDestination), literal.Error);
    }

    [TestCase("169.254.169.254/32")]
    [TestCase("fd00:ec2::254/128")]
    public void A_range_that_is_only_a_metadata_address_is_refused_at_start(string network)
    {
        var options = new EgressOptions { AllowedNetworks = [network] };

        Assert.That(options.Validate(), Has.Some.Contains("Egress:AllowedNetworks").And.Some.Contains("metadata"));
        Assert.That(new EgressOptions { AllowedNetworks = ["169.254.0.0/16"] }.Validate(), Is.Empty);
    }
}
