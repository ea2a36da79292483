using Amazon.Runtime;

namespace BluBees.Aws;

/// <summary>
/// AWS failures that a later retry can get past: throttling and the service's own 5xx (after the SDK's bounded
/// retries gave up), and a network failure or an unanswered request on the way. DynamoDB answers throttling with HTTP 400
/// <c>ProvisionedThroughputExceededException</c>, <c>ThrottlingException</c> or <c>RequestLimitExceeded</c>, and a
/// conflicting transaction with <c>TransactionConflictException</c>; its own failures with HTTP 500
/// <c>InternalServerError</c> or 503 (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
/// Everything else (validation, access denied, a missing table) is not transient: retrying cannot help.
/// </summary>
public static class AwsTransientErrors
{
    private static readonly HashSet<string> Codes = new(StringComparer.Ordinal)
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "Throttling",
        "RequestThrottled",
    };

    public static bool IsTransient(Exception exception) => exception switch
    {
        AmazonServiceException service when (int)service.StatusCode >= 500 || (service.ErrorCode is { } code && Codes.Contains(code)) => true,
        AmazonServiceException { InnerException: HttpRequestException or IOException } => true,
        HttpRequestException => true,
        // The client's request timeout (ClientConfig.Timeout) gave the request up: the SDK throws TimeoutException.
        TimeoutException => true,
        _ => false,
    };
}
