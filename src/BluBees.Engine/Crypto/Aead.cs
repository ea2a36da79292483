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
        var output = new byte[SealedLength(plaintext.Length)];
        SealInto(key, plaintext, associatedData, output);
        return output;
    }

    /// <summary>The length of a sealed message of <paramref name="plaintextLength"/> bytes.</summary>
    public static int SealedLength(int plaintextLength) => NonceSize + plaintextLength + TagSize;

    /// <summary>The length of the plaintext a sealed message of <paramref name="sealedLength"/> bytes holds (negative when it is too short to be one).</summary>
    public static int PlaintextLength(int sealedLength) => sealedLength - NonceSize - TagSize;

    /// <summary><see cref="Seal"/> into <paramref name="output"/>, exactly <see cref="SealedLength"/> bytes long.</summary>
    public static void SealInto(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, string associatedData, Span<byte> output)
    {
        if (output.Length != SealedLength(plaintext.Length))
        {
            throw new ArgumentException("The output is not the sealed message's length.", nameof(output));
        }

        var nonce = output[..NonceSize];
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.Slice(NonceSize, plaintext.Length), output[(NonceSize + plaintext.Length)..], Encoding.UTF8.GetBytes(associatedData));
    }

    /// <summary>Opens a sealed message. Throws <see cref="CryptographicException"/> on any tampering or wrong owner.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedMessage, string associatedData)
    {
        if (sealedMessage.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Ciphertext is too short.");
        }

        var plaintext = new byte[PlaintextLength(sealedMessage.Length)];
        OpenInto(key, sealedMessage, associatedData, plaintext);
        return plaintext;
    }

    /// <summary><see cref="Open"/> into <paramref name="plaintext"/>, exactly <see cref="PlaintextLength"/> bytes long.</summary>
    public static void OpenInto(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedMessage, string associatedData, Span<byte> plaintext)
    {
        if (sealedMessage.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Ciphertext is too short.");
        }

        var plaintextLength = PlaintextLength(sealedMessage.Length);
        if (plaintext.Length != plaintextLength)
        {
            throw new ArgumentException("The output is not the plaintext's length.", nameof(plaintext));
        }

        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedMessage[..NonceSize], sealedMessage.Slice(NonceSize, plaintextLength), sealedMessage[(NonceSize + plaintextLength)..], plaintext, Encoding.UTF8.GetBytes(associatedData));
    }
}
