using Amazon.KeyManagementService;

namespace BluBees.Aws.Kms;

/// <summary>
/// KMS refusing to use the key-encryption key itself (HTTP 400, so not a transient failure): the key disabled or
/// pending deletion (<c>DisabledException</c>, <c>KMSInvalidStateException</c>), deleted or never there
/// (<c>NotFoundException</c>), or the function's role no longer allowed to use it (<c>AccessDeniedException</c>)
/// (https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html#API_GenerateDataKey_Errors). The
/// operator's keys are down, not the request wrong: the API answers 503 with Retry-After, as for a missing local key ring.
/// </summary>
public static class KmsKeyRefusals
{
    private static readonly HashSet<string> Codes = new(StringComparer.Ordinal)
    {
        "DisabledException",
        "KMSInvalidStateException",
        "NotFoundException",
        "AccessDeniedException",
    };

    public static bool IsKeyUnusable(Exception exception)
        => exception is AmazonKeyManagementServiceException { ErrorCode: { } code } && Codes.Contains(code);
}
