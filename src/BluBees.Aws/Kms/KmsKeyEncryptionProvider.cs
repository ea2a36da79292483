using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;

namespace BluBees.Aws.Kms;

/// <summary>
/// Wraps tenant data keys with AWS KMS. Every call carries the encryption context <c>{"tenant": id}</c>: KMS
/// binds it into the ciphertext (and CloudTrail records it), so a wrapped key copied to another tenant fails
/// to decrypt, and the key policy can require it. Decrypt names the key id, so KMS refuses a ciphertext made
/// under any other key. Rotation re-wraps server-side with ReEncrypt: the plaintext data key never leaves KMS.
/// Unwrapped keys are cached by <see cref="TenantKeyService"/>, so KMS is called once per tenant per cache TTL
/// per instance.
/// </summary>
internal sealed class KmsKeyEncryptionProvider(Lazy<IAmazonKeyManagementService> client, string currentKeyId) : IKeyEncryptionProvider, IDisposable
{
    public const string ContextKey = "tenant";

    public string CurrentKeyId => currentKeyId;

    private IAmazonKeyManagementService Client => client.Value;

    public async Task<GeneratedDataKey> GenerateDataKeyAsync(TenantId tenantId, CancellationToken ct)
    {
        var response = await Client.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = currentKeyId,
            KeySpec = DataKeySpec.AES_256,
            EncryptionContext = Context(tenantId),
        }, ct);
        return new GeneratedDataKey(Drain(response.Plaintext), new WrappedDataKey(response.KeyId, Drain(response.CiphertextBlob)));
    }

    public async Task<byte[]> DecryptDataKeyAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        try
        {
            var response = await Client.DecryptAsync(new DecryptRequest
            {
                KeyId = wrapped.KeyId,
                CiphertextBlob = new MemoryStream(wrapped.Ciphertext, writable: false),
                EncryptionContext = Context(tenantId),
            }, ct);
            return Drain(response.Plaintext);
        }
        catch (Exception ex) when (IsWrongCiphertext(ex))
        {
            throw Refused(ex);
        }
    }

    public async Task<WrappedDataKey> ReWrapAsync(TenantId tenantId, WrappedDataKey wrapped, CancellationToken ct)
    {
        try
        {
            var response = await Client.ReEncryptAsync(new ReEncryptRequest
            {
                CiphertextBlob = new MemoryStream(wrapped.Ciphertext, writable: false),
                SourceKeyId = wrapped.KeyId,
                SourceEncryptionContext = Context(tenantId),
                DestinationKeyId = currentKeyId,
                DestinationEncryptionContext = Context(tenantId),
            }, ct);
            return new WrappedDataKey(response.KeyId, Drain(response.CiphertextBlob));
        }
        catch (Exception ex) when (IsWrongCiphertext(ex))
        {
            throw Refused(ex);
        }
    }

    public void Dispose()
    {
        if (client.IsValueCreated)
        {
            client.Value.Dispose();
        }
    }

    private static Dictionary<string, string> Context(TenantId tenantId) => new(StringComparer.Ordinal) { [ContextKey] = tenantId.Value };

    // InvalidCiphertext: tampered, or another tenant's context. IncorrectKey: made under another key.
    private static bool IsWrongCiphertext(Exception ex) => ex is InvalidCiphertextException or IncorrectKeyException;

    // Same contract as the local provider: a ciphertext that does not belong fails as a CryptographicException.
    private static CryptographicException Refused(Exception inner)
        => new("KMS refused to decrypt the tenant data key (wrong tenant, wrong key or tampered ciphertext).", inner);

    private static byte[] Drain(MemoryStream? stream)
    {
        if (stream is null)
        {
            throw new CryptographicException("KMS returned no key material.");
        }

        var bytes = stream.ToArray();
        if (stream.TryGetBuffer(out var buffer))
        {
            // Do not leave a plaintext copy behind in the SDK's buffer.
            CryptographicOperations.ZeroMemory(buffer.AsSpan());
        }

        return bytes;
    }
}
