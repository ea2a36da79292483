using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>A string builder that refuses to grow past the output cap (checked before appending).</summary>
internal sealed class OutputBuffer(int maxChars, string what)
{
    private readonly StringBuilder _builder = new();

    public int Length => _builder.Length;

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
