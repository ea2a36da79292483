namespace BluBees.Engine.Connections;

/// <summary>Headers that steps may not set: transport framing, hop-by-hop, and our own auth header.</summary>
internal static class HeaderRules
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Authorization", "Proxy-Connection", "Expect", "Cookie",
    };

    public static bool IsReserved(string name) => Reserved.Contains(name);
}
