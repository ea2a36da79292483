namespace BluBees.Engine.Connections;

public static class AuthTypes
{
    public const string None = "none";
    public const string ApiKey = "apiKey";
    public const string Bearer = "bearer";
    public const string Basic = "basic";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { None, ApiKey, Bearer, Basic };
}
