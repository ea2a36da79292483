using System.Security.Cryptography;
using System.Text;

namespace BluBees.Engine.Crypto;

/// <summary>
/// AES-256-GCM with a fresh 96-bit nonce per message. Layout: nonce (12) | ciphertext | tag (16).
/// The associated data binds a ciphertext to its owner; a copy under another owner fails to open.
/// </summary>
public static class Aead
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(associatedData));
        return output;
    }

    /// <summary>Opens a sealed message. Throws <see cref="CryptographicException"/> on any tampering or wrong owner.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedMessage, string associatedData)
    {
        if (sealedMessage.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Ciphertext is too short.");
        }

        var plaintextLength = sealedMessage.Length - NonceSize - TagSize;
        var plaintext = new byte[plaintextLength];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedMessage[..NonceSize], sealedMessage.Slice(NonceSize, plaintextLength), sealedMessage[(NonceSize + plaintextLength)..], plaintext, Encoding.UTF8.GetBytes(associatedData));
        return plaintext;
    }
}
