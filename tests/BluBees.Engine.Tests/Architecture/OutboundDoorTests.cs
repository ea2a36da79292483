using System.Text.RegularExpressions;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Architecture;

/// <summary>
/// Every call to a tenant-configured URL goes through the egress guard (<c>GuardedHttpClient</c>): its connect callback
/// is the only place that checks the address a socket connects to, and it follows redirects itself. Any other way out
/// of the process (an <c>HttpClient</c> over a handler of its own, a socket, a DNS lookup, a client from
/// <c>IHttpClientFactory</c>) would skip every check. Read from the sources of every project under <c>src/</c>: each
/// place that can open a connection is listed here with the reason it is not a tenant's way out, and a new one fails
/// until it is routed through the guard or listed with its reason (docs/security.md, "Egress guard").
/// </summary>
public sealed partial class OutboundDoorTests
{
    /// <summary>File (under src/) → the constructs it may use, and why.</summary>
    private static readonly Dictionary<string, (string[] Constructs, string Why)> Allowed = new(StringComparer.Ordinal)
    {
        ["BluBees.Engine/Egress/EgressGuard.cs"] = (["SocketsHttpHandler", "HttpMessageInvoker", "Socket"], "the guard itself: the connect callback resolves, checks and connects"),
        ["BluBees.Engine/Egress/SystemDnsResolver.cs"] = (["Dns"], "the guard's resolver; every answer is checked before a connect"),
        ["BluBees.Engine/Steps/Ai/AiStepExecutor.cs"] = (["HttpClient"], "over GuardedHttpMessageHandler only: the SDKs' requests go through the guard"),
        ["BluBees.Engine/Steps/Jira/JiraSite.cs"] = (["HttpClient"], "over JiraEgressHandler only: the Refit Jira client's requests go through the guard"),
        ["BluBees.Api/Infrastructure/AtlassianHttpHandler.cs"] = (["SocketsHttpHandler"], "the backend's own Atlassian clients: no redirect, no cookies; hosts from options or the verified token, never tenant input"),
        ["BluBees.Api/Auth/ForgeAuthenticationSetup.cs"] = (["AddHttpClient"], "the Forge JWKS (operator's URL) over AtlassianHttpHandler"),
        ["BluBees.Api/Auth/JwksCache.cs"] = (["IHttpClientFactory"], "the JWKS client above (Forge's, and the support identity provider's)"),
        ["BluBees.Api/Support/SupportJwks.cs"] = (["IHttpClientFactory"], "the support identity provider's JWKS (operator's URL)"),
        ["BluBees.Api/JiraUser/JiraUserSetup.cs"] = (["AddHttpClient"], "the user's Jira reads: JiraSite.Resolve's Atlassian host, over AtlassianHttpHandler"),
        ["BluBees.Api/JiraUser/JiraUserClient.cs"] = (["IHttpClientFactory"], "the client above"),
        ["BluBees.Api/Permissions/PermissionSetup.cs"] = (["AddRefit"], "the permission check: JiraSite.Resolve's Atlassian host, over AtlassianHttpHandler"),
        ["BluBees.Cli/BackendClient.cs"] = (["SocketsHttpHandler", "HttpClient"], "the operator's CLI calling its own backend (--url), no redirects"),
        ["BluBees.Cli/Support/SupportClient.cs"] = (["HttpClient"], "the support CLI calling the backend, no redirects"),
    };

    [Test]
    public void EveryWayOutIsTheGuardOrListedWithItsReason()
    {
        var found = Scan(Sources());
        var unlisted = found
            .Where(f => !Allowed.TryGetValue(f.File, out var allowed) || !allowed.Constructs.Contains(f.Construct, StringComparer.Ordinal))
            .Select(f => $"{f.File}: {f.Construct}");

        Assert.That(unlisted, Is.Empty, "send tenant traffic through GuardedHttpClient (or an HttpClient over GuardedHttpMessageHandler); "
            + "a client that never carries tenant input goes in this test's list with its reason");
        Assert.That(found.Select(f => f.File).Distinct(), Is.EquivalentTo(Allowed.Keys), "every listed file still has its way out (stale entries go)");
    }

    /// <summary>The scanner itself: each kind of way out is found, in code only (not in comments).</summary>
    [Test]
    public void TheScanFindsEachWayOut()
    {
        var sources = new[]
        {
            ("BluBees.Engine/Steps/Webhook.cs", """
                // new HttpClient() in a comment is none
                /// <see cref="SocketsHttpHandler"/> neither
                var a = new HttpClient();
                SocketsHttpHandler Make() => new() { AllowAutoRedirect = true };
                var b = new HttpClientHandler { UseProxy = true };
                var c = new System.Net.Sockets.TcpClient("h", 443);
                var d = await System.Net.Dns.GetHostAddressesAsync("h");
                services.AddHttpClient("x");
                var e = WebRequest.Create("http://h/");
                var f = new ClientWebSocket();
                """),
        };

        var found = Scan(sources).Select(f => f.Construct).ToList();

        Assert.That(found, Is.EquivalentTo(new[] { "HttpClient", "SocketsHttpHandler", "HttpClientHandler", "TcpClient", "Dns", "AddHttpClient", "WebRequest", "ClientWebSocket" }));
    }

    private static List<(string File, string Construct)> Scan(IEnumerable<(string Path, string Text)> sources)
    {
        var found = new List<(string, string)>();
        foreach (var (path, text) in sources)
        {
            var code = string.Join('\n', text.Split('\n').Select(StripComment));
            foreach (var construct in Door().Matches(code).Select(m => m.Groups["door"].Value).Distinct(StringComparer.Ordinal))
            {
                found.Add((path, construct));
            }
        }

        return found;
    }

    private static string StripComment(string line)
    {
        var at = line.IndexOf("//", StringComparison.Ordinal);
        return at < 0 || line.AsSpan(0, at).Contains("\"", StringComparison.Ordinal) ? line : line[..at];
    }

    private static List<(string Path, string Text)> Sources()
    {
        var root = SrcRoot();
        var sources = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
            .Select(p => (p, File.ReadAllText(Path.Combine(root, p))))
            .ToList();
        Assert.That(sources, Has.Count.GreaterThan(300), "the sources were not found");
        return sources;
    }

    private static string SrcRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src");
            if (File.Exists(Path.Combine(candidate, "BluBees.Engine", "BluBees.Engine.csproj")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("src/ not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// What can open a connection or look up a name: a client or handler type, a socket type, the resolver, the client
    /// factory and its registrations (AddHttpClient, Refit's AddRefit…Client), WebRequest.
    /// </summary>
    [GeneratedRegex(@"(?<!\w)(?<door>SocketsHttpHandler|HttpClientHandler|HttpMessageInvoker|ClientWebSocket|TcpClient|UdpClient|Socket(?=\s*\()|Dns(?=\s*\.)|IHttpClientFactory|AddHttpClient(?=\s*[<(])|AddRefit(?=\w*Client\s*[<(])|WebRequest(?=\s*\.)|HttpClient(?=\s*[({]))")]
    private static partial Regex Door();
}
