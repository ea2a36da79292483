namespace BluBees.Engine.Crypto;

public enum KeyProviderKind { LocalFile, Kms }

/// <summary>Configuration section <c>Keys</c>.</summary>
public sealed class KeyOptions
{
    public const string Section = "Keys";

    public KeyProviderKind Provider { get; set; } = KeyProviderKind.LocalFile;

    /// <summary>Local key ring file; relative paths are under <c>Storage:DataDirectory</c>.</summary>
    public string LocalKeyFile { get; set; } = "keyring.json";

    /// <summary>KMS key id or ARN (production).</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>KMS endpoint override (the loopback KMS stand-in in tests).</summary>
    public string? KmsServiceUrl { get; set; }

    /// <summary>How long an unwrapped tenant data key may stay in memory.</summary>
    public TimeSpan DataKeyCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many unwrapped tenant data keys may stay in memory at once.</summary>
    public int DataKeyCacheSize { get; set; } = 1000;
}
