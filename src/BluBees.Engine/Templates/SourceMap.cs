namespace BluBees.Engine.Templates;

/// <summary>Turns source offsets into 1-based line/column (columns count UTF-16 code units).</summary>
internal sealed class SourceMap
{
    private readonly List<int> _lineStarts = [0];

    public SourceMap(string source)
    {
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }
    }

    public TemplateError ErrorAt(TemplateErrorKind kind, string message, int offset)
    {
        if (offset < 0)
        {
            return new TemplateError(message, 0, 0) { Kind = kind };
        }

        var index = _lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        return new TemplateError(message, line + 1, offset - _lineStarts[line] + 1) { Kind = kind };
    }
}
