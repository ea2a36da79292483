using BluBees.Engine.Egress;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Egress;

public sealed class EgressHostTests
{
    [TestCase("127.0.0.1", "127.0.0.1")]
    [TestCase("2130706433", "127.0.0.1")]
    [TestCase("0x7f.0.0.1", "127.0.0.1")]
    [TestCase("0X7F.0.0.1", "127.0.0.1")]
    [TestCase("0x7f000001", "127.0.0.1")]
    [TestCase("0177.0.0.1", "127.0.0.1")]
    [TestCase("0177.0.0.01", "127.0.0.1")]
    [TestCase("017700000001", "127.0.0.1")]
    [TestCase("127.1", "127.0.0.1")]
    [TestCase("127.0.1", "127.0.0.1")]
    [TestCase("0x7f.1", "127.0.0.1")]
    [TestCase("127.0.0.1.", "127.0.0.1")]
    [TestCase("0", "0.0.0.0")]
    [TestCase("0x", "0.0.0.0")]
    [TestCase("169.254.43518", "169.254.169.254")]
    [TestCase("0xa9fea9fe", "169.254.169.254")]
    [TestCase("[::1]", "::1")]
    [TestCase("::ffff:127.0.0.1", "::ffff:127.0.0.1")]
    public void RecognisesEverySpellingOfAnAddress(string host, string expected)
    {
        Assert.That(EgressHost.Parse(host, out var address), Is.EqualTo(HostKind.Literal));
        Assert.That(address!.ToString(), Is.EqualTo(expected));
    }

    [TestCase("08.0.0.1")]
    [TestCase("1.2.3.4.5")]
    [TestCase("256.0.0.1")]
    [TestCase("1.2.3.256")]
    [TestCase("4294967296")]
    [TestCase("1..1")]
    [TestCase("foo.1")]
    [TestCase("0x100000000")]
    [TestCase("[::zz]")]
    [TestCase("")]
    public void AHostEndingInANumberThatIsNoAddressIsInvalid(string host)
    {
        Assert.That(EgressHost.Parse(host, out _), Is.EqualTo(HostKind.Invalid));
    }

    [TestCase("example.com")]
    [TestCase("api.example.com.")]
    [TestCase("1x.example")]
    [TestCase("0x1g")]
    [TestCase("127.0.0.1.example.com")]
    [TestCase("xn--bcher-kva.example")]
    public void NamesAreNames(string host)
    {
        Assert.That(EgressHost.Parse(host, out _), Is.EqualTo(HostKind.Name));
    }
}
