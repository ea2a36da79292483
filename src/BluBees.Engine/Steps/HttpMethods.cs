namespace BluBees.Engine.Steps;

public static class HttpMethods
{
    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" };

    public static bool HasBody(string method) => method is "POST" or "PUT" or "PATCH" or "DELETE";

    /// <summary>RFC 9110 §9.2.2: repeating the request has the same effect as sending it once.</summary>
    public static bool IsIdempotent(string method) => method is "GET" or "HEAD" or "PUT" or "DELETE" or "OPTIONS" or "TRACE";

    /// <summary>The header by which a step makes a POST or PATCH safe to retry.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";
}
