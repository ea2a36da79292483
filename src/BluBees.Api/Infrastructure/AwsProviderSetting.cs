using BluBees.Engine.Crypto;
using BluBees.Engine.Storage;

namespace BluBees.Api.Infrastructure;

/// <summary>
/// The setting that makes this a production (AWS) backend, named for start-up messages, or null for the embedded
/// providers: local-only settings (the development issuer, a Jira override off loopback) are refused beside it.
/// </summary>
internal static class AwsProviderSetting
{
    public static string? Of(StorageOptions storage, KeyOptions keys)
        => storage.Provider == StorageProvider.DynamoDb ? "Storage:Provider=DynamoDb"
        : keys.Provider == KeyProviderKind.Kms ? "Keys:Provider=Kms"
        : null;
}
