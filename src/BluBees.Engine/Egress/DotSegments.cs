namespace BluBees.Engine.Egress;

/// <summary>
/// Dot segments in a URL path that some server would resolve though the URL parser kept them. Servers and proxies
/// differ in how they read a path: some decode an encoded slash ('%2F') or backslash ('%5C') before resolving dot
/// segments, some decode twice, Tomcat and Spring read '..;' as '..'. Used for rendered step paths
/// (the steps' RenderedPath) and for the URLs a credential may go to (<see cref="CredentialScope"/>).
/// </summary>
internal static class DotSegments
{
    /// <summary>How many rounds of percent-decoding a segment is read through (a server that decodes twice, and one more).</summary>
    private const int Decodings = 3;

    /// <summary>Whether a segment of the path is a dot segment once '%2F' or '%5C' are decoded (up to
    /// <see cref="Decodings"/> times) or a ';' parameter is dropped. Plain '../' was already removed by the parser.</summary>
    public static bool AnyHidden(Uri url)
    {
        foreach (var segment in url.AbsolutePath.Split('/'))
        {
            var text = segment;
            for (var round = 0; round <= Decodings; round++)
            {
                if (text.Split('/', '\\').Any(piece => piece.Split(';')[0] is "." or ".."))
                {
                    return true;
                }

                var decoded = Uri.UnescapeDataString(text);
                if (decoded == text)
                {
                    break;
                }

                text = decoded;
            }
        }

        return false;
    }
}
