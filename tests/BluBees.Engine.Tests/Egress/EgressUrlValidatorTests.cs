using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

public sealed class EgressUrlValidatorTests
{
    private static readonly EgressOptions Defaults = new();

    [TestCase("https://api.example.com/v1/issues?x=1")]
    [TestCase("https://api.example.com:443/")]
    [TestCase("https://8.8.8.8/")]
    [TestCase("https://[2606:4700::1111]/")]
    public void AcceptsPublicHttpsUrls(string url)
    {
        Assert.That(EgressUrlValidator.Validate(url, Defaults), Is.Null);
    }

    [TestCase("ftp://files.example.com/", "Scheme")]
    [TestCase("file:///etc/passwd", "Scheme")]
    [TestCase("gopher://example.com:70/", "Scheme")]
    [TestCase("http://api.example.com/", "Scheme")]
    [TestCase("https://api.example.com:8443/", "Port")]
    [TestCase("https://api.example.com:80/", "Port")]
    [TestCase("https://user:pw@api.example.com/", "user info")]
    [TestCase("/relative/path", "absolute")]
    [TestCase("https://127.0.0.1/", "not allowed")]
    [TestCase("https://2130706433/", "not allowed")]
    [TestCase("https://0x7f.0.0.1/", "not allowed")]
    [TestCase("https://0x7f000001/", "not allowed")]
    [TestCase("https://0177.0.0.1/", "not allowed")]
    [TestCase("https://127.1/", "not allowed")]
    [TestCase("https://127.0.0.1./", "not allowed")]
    [TestCase("https://[::1]/", "not allowed")]
    [TestCase("https://[::ffff:127.0.0.1]/", "not allowed")]
    [TestCase("https://[::ffff:7f00:1]/", "not allowed")]
    [TestCase("https://169.254.169.254/latest/meta-data/", "not allowed")]
    [TestCase("https://[fd00:ec2::254]/", "not allowed")]
    [TestCase("https://10.0.0.1/", "not allowed")]
    [TestCase("https://localhost/", "not allowed")]
    [TestCase("https://app.localhost/", "not allowed")]
    [TestCase("https://08.0.0.1/", "not a valid host")]
    [TestCase("https://\U0001D7CF\U0001D7D0\U0001D7D5\u30020.0.1/", "not a valid host")]
    public void Rejects(string url, string expected)
    {
        Assert.That(EgressUrlValidator.Validate(url, Defaults), Does.Contain(expected));
    }

    [Test]
    public void NeverEchoesAPassword()
    {
        Assert.That(EgressUrlValidator.Validate("https://user:s3cr3t-pw@api.example.com/", Defaults), Does.Not.Contain("s3cr3t"));
    }

    [Test]
    public void HttpAndPort80WhenTheOperatorAllowsHttp()
    {
        var options = new EgressOptions { AllowHttp = true };

        Assert.That(EgressUrlValidator.Validate("http://api.example.com/", options), Is.Null);
        Assert.That(EgressUrlValidator.Validate("http://api.example.com:8080/", options), Does.Contain("Port"));
    }

    [Test]
    public void ExplicitPortsReplaceTheDefaults()
    {
        var options = new EgressOptions { AllowedPorts = [8443] };

        Assert.That(EgressUrlValidator.Validate("https://api.example.com:8443/", options), Is.Null);
        Assert.That(EgressUrlValidator.Validate("https://api.example.com/", options), Does.Contain("Port"));
    }

    [Test]
    public void PrivateNetworksWhenTheOperatorAllowsThemButNeverMetadata()
    {
        var options = new EgressOptions { AllowPrivateNetworks = true };

        Assert.That(EgressUrlValidator.Validate("https://10.0.0.1/", options), Is.Null);
        Assert.That(EgressUrlValidator.Validate("https://localhost/", options), Is.Null);
        Assert.That(EgressUrlValidator.Validate("https://169.254.169.254/", options), Does.Contain("not allowed"));
    }

    [Test]
    public void AllowedNetworksOpenOnlyTheirRange()
    {
        var options = new EgressOptions { AllowedNetworks = ["10.20.0.0/16"] };

        Assert.That(EgressUrlValidator.Validate("https://10.20.3.4/", options), Is.Null);
        Assert.That(EgressUrlValidator.Validate("https://10.21.3.4/", options), Does.Contain("not allowed"));
    }
}
