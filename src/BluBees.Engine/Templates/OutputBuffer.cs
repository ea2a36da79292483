using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>A string builder that refuses to grow past the output cap (checked before appending).</summary>
internal sealed class OutputBuffer(int maxChars, string what)
{
    private readonly StringBuilder _builder = new();
    private bool _pastAuthority;
    private List<int>? _emptyInPath;

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

    /// <summary>Notes an output that rendered nothing here, when that is in the URL's path (not its query or fragment).</summary>
    public void MarkEmptyOutput()
    {
        var text = _builder.ToString();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (text.IndexOfAny(['?', '#'], scheme < 0 ? 0 : scheme + 3) < 0)
        {
            (_emptyInPath ??= []).Add(text.Length);
        }
    }

    /// <summary>
    /// Whether an output that rendered nothing left a whole path segment empty: between two '/' (or at the start of a
    /// path template) and before a '/', '?', '#' or the end. "/tickets/{{ steps.lookup.body.id }}" with the lookup
    /// skipped would otherwise address "/tickets/", the collection, not one ticket.
    /// </summary>
    public bool LeftAnEmptySegment()
    {
        if (_emptyInPath is null)
        {
            return false;
        }

        var text = _builder.ToString();
        return _emptyInPath.Any(p => (p == 0 ? Url == UrlTemplatePart.Path : text[p - 1] == '/')
            && (p == text.Length || text[p] is '/' or '?' or '#'));
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
