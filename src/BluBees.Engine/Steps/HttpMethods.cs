namespace BluBees.Engine.Steps;

public static class HttpMethods
{
    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StringComparer.Ordinal) { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD" };

    public static bool HasBody(string method) => method is "POST" or "PUT" or "PATCH" or "DELETE";
}
