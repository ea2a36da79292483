namespace BluBees.Engine.Storage;

/// <summary>
/// The check of an AWS endpoint override (DynamoDB, KMS, SQS): an absolute http(s) URL with a host. <see cref="Uri"/>
/// alone is not enough: on Linux it takes "/dynamodb" as the absolute URL file:///dynamodb.
/// </summary>
public static class ServiceUrl
{
    public static bool IsHttp(string? value)
        => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is ("https" or "http") && uri.Host.Length > 0;
}
