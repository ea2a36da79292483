using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>A string builder that refuses to grow past the output cap (checked before appending).</summary>
internal sealed class OutputBuffer(int maxChars, string what)
{
    private readonly StringBuilder _builder = new();
    private bool _pastAuthority;

    public int Length => _builder.Length;

    /// <summary>Set for the top-level buffer of a URL template (see <see cref="Template.RenderUrl"/>), else None.</summary>
    public UrlTemplatePart Url { get; init; }

    /// <summary>
    /// Whether the next output lands in the URL's path or query: always for a path template; for a URL template once
    /// the text so far has a scheme and then a '/', '?' or '#' after the authority. Outputs before that (the scheme,
    /// the host) are left as they render: the egress guard checks the host.
    /// </summary>
    public bool InPathOrQuery
    {
        get
        {
            if (Url == UrlTemplatePart.Path || _pastAuthority)
            {
                return Url != UrlTemplatePart.None;
            }

            if (Url == UrlTemplatePart.Url)
            {
                var text = _builder.ToString();
                var scheme = text.IndexOf("://", StringComparison.Ordinal);
                _pastAuthority = scheme >= 0 && text.IndexOfAny(['/', '?', '#'], scheme + 3) >= 0;
            }

            return _pastAuthority;
        }
    }

    public void Append(string text)
    {
        if ((long)_builder.Length + text.Length > maxChars)
        {
            throw TemplateFailure.Limit($"{what} exceeds {maxChars} characters");
        }

        _builder.Append(text);
    }

    public void Append(char c)
    {
        if (_builder.Length + 1 > maxChars)
        {
            throw TemplateFailure.Limit($"{what} exceeds {maxChars} characters");
        }

        _builder.Append(c);
    }

    public override string ToString() => _builder.ToString();
}

/// <summary>What a template's text is: anything (None), a whole URL, or a path (with query) under a connection's base URL.</summary>
internal enum UrlTemplatePart
{
    None,
    Url,
    Path,
}
