using System.Security.Cryptography;
using System.Text;
using BluBees.Engine.Crypto;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Crypto;

public sealed class AeadTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(Aead.KeySize);
    private static readonly byte[] Plaintext = Encoding.UTF8.GetBytes("xoxb-secret-token-1234567890");

    [Test]
    public void SealedMessagesOpenWithTheSameKeyAndAssociatedData()
    {
        var sealedMessage = Aead.Seal(Key, Plaintext, "tenant-a|conn-1");

        Assert.That(Aead.Open(Key, sealedMessage, "tenant-a|conn-1"), Is.EqualTo(Plaintext));
    }

    [Test]
    public void TheLayoutIsNonceCiphertextTag()
    {
        var sealedMessage = Aead.Seal(Key, Plaintext, "ad");

        Assert.That(sealedMessage, Has.Length.EqualTo(12 + Plaintext.Length + 16));
        Assert.That(sealedMessage.AsSpan(12, Plaintext.Length).SequenceEqual(Plaintext), Is.False, "the middle is ciphertext, not the plaintext");
    }

    [Test]
    public void EverySealUsesAFreshNonce()
    {
        var messages = Enumerable.Range(0, 50).Select(_ => Aead.Seal(Key, Plaintext, "ad")).ToList();

        Assert.That(messages.Select(m => Convert.ToHexString(m, 0, 12)), Is.Unique);
        Assert.That(messages.Select(Convert.ToHexString), Is.Unique);
    }

    [Test]
    public void AnEmptyPlaintextRoundTrips()
    {
        var sealedMessage = Aead.Seal(Key, [], "ad");

        Assert.That(sealedMessage, Has.Length.EqualTo(28));
        Assert.That(Aead.Open(Key, sealedMessage, "ad"), Is.Empty);
    }

    [TestCase(0, Description = "nonce")]
    [TestCase(11, Description = "last nonce byte")]
    [TestCase(12, Description = "ciphertext")]
    [TestCase(-16, Description = "first tag byte")]
    [TestCase(-1, Description = "last tag byte")]
    public void AnyFlippedByteIsDetected(int index)
    {
        var sealedMessage = Aead.Seal(Key, Plaintext, "ad");
        sealedMessage[index < 0 ? sealedMessage.Length + index : index] ^= 0x01;

        Assert.That(() => Aead.Open(Key, sealedMessage, "ad"), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void ATruncatedMessageIsDetected()
    {
        var sealedMessage = Aead.Seal(Key, Plaintext, "ad");

        Assert.That(() => Aead.Open(Key, sealedMessage.AsSpan(0, sealedMessage.Length - 1), "ad"), Throws.InstanceOf<CryptographicException>());
    }

    [TestCase(0)]
    [TestCase(27)]
    public void AMessageShorterThanNonceAndTagIsRefused(int length)
    {
        Assert.That(() => Aead.Open(Key, new byte[length], "ad"), Throws.InstanceOf<CryptographicException>().With.Message.EqualTo("Ciphertext is too short."));
    }

    [TestCase("tenant-b|conn-1")]
    [TestCase("tenant-a|conn-2")]
    [TestCase("tenant-a|conn-1 ")]
    [TestCase("")]
    public void OtherAssociatedDataDoesNotOpen(string associatedData)
    {
        var sealedMessage = Aead.Seal(Key, Plaintext, "tenant-a|conn-1");

        Assert.That(() => Aead.Open(Key, sealedMessage, associatedData), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void AnotherKeyDoesNotOpen()
    {
        var sealedMessage = Aead.Seal(Key, Plaintext, "ad");

        Assert.That(() => Aead.Open(RandomNumberGenerator.GetBytes(Aead.KeySize), sealedMessage, "ad"), Throws.InstanceOf<CryptographicException>());
    }
}
