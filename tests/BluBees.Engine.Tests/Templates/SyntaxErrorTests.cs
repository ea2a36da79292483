using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class SyntaxErrorTests
{
    [TestCase("line one\nline two\nabc {{ issue.key \nmore", "unterminated output '{{'", 3, 5)]
    [TestCase("ok\n{% if issue.key", "unterminated tag '{% if'", 2, 1)]
    [TestCase("{{ 'abc }}", "unterminated string literal", 1, 4)]
    [TestCase("Hello\n  {{ issue.key | frobnicate }}", "unknown filter 'frobnicate'", 2, 18)]
    [TestCase("{% for x in y %}\n{% endif %}", "'endif' does not match the open 'for' (line 1, column 1); expected 'endfor'", 2, 4)]
    [TestCase("a {% endif %}", "'endif' has no matching 'if'", 1, 6)]
    [TestCase("a\n{% if x %}b", "'if' is never closed; expected '{% endif %}'", 2, 1)]
    [TestCase("{% raw %}abc", "'raw' is never closed; expected '{% endraw %}'", 1, 1)]
    [TestCase("{% frob x %}", "unknown tag 'frob'", 1, 4)]
    [TestCase("{% cycle 'a', 'b' %}", "unknown tag 'cycle'", 1, 4)]
    [TestCase("{{ x | append }}", "filter 'append' expects 1 argument(s), got 0", 1, 8)]
    [TestCase("{{ x | truncate: 1, 2, 3 }}", "filter 'truncate' expects 0 to 2 argument(s), got 3", 1, 8)]
    [TestCase("{{ x | default: 1, fallback: 2 }}", "filter 'default' has no option 'fallback'", 1, 20)]
    [TestCase("{{ issue. }}", "expected a property name but found end of tag", 1, 11)]
    [TestCase("{{ a b }}", "expected end of tag but found 'b'", 1, 6)]
    [TestCase("{{ a == b }}", "expected end of tag but found '=='", 1, 6)]
    [TestCase("{{ x | }}", "expected a filter name but found end of tag", 1, 8)]
    [TestCase("{{ a[1 }}", "expected ']' but found end of tag", 1, 8)]
    [TestCase("{{ (1..) }}", "expected a value but found ')'", 1, 8)]
    [TestCase("{{ a ; }}", "unexpected character ';'", 1, 6)]
    [TestCase("{% if x | size > 1 %}{% endif %}", "filters are not allowed in conditions; assign the filtered value first", 1, 9)]
    [TestCase("{% if a %}{% else if b %}{% endif %}", "'else' takes no arguments", 1, 19)]
    [TestCase("{% if a %}{% else %}{% elsif b %}{% endif %}", "'elsif' cannot come after 'else'", 1, 24)]
    [TestCase("{% when 1 %}", "'when' must be inside 'case'", 1, 4)]
    [TestCase("{% break %}", "'break' must be inside a 'for' loop", 1, 4)]
    [TestCase("{% for x y %}{% endfor %}", "expected 'in' but found 'y'", 1, 10)]
    [TestCase("{% for x in (1..3) sideways %}{% endfor %}", "expected 'reversed', 'limit:' or 'offset:' but found 'sideways'", 1, 20)]
    [TestCase("{% assign = 1 %}", "expected a variable name but found '='", 1, 11)]
    [TestCase("{% assign x 1 %}", "expected '=' but found '1'", 1, 13)]
    [TestCase("{% %}", "expected a tag name after '{%'", 1, 4)]
    public void ReportsMessageAndPosition(string source, string message, int line, int column)
    {
        var error = CompileError(source);

        Assert.That(error.Message, Is.EqualTo(message));
        Assert.That(error.Kind, Is.EqualTo(TemplateErrorKind.Syntax));
        Assert.That((error.Line, error.Column), Is.EqualTo((line, column)));
    }

    [TestCase("{% include 'header' %}", "include")]
    [TestCase("{% render 'card', x: 1 %}", "render")]
    [TestCase("{% layout 'main' %}", "layout")]
    public void RefusesIncludeRenderAndLayout(string source, string tag)
    {
        var error = CompileError(source);

        Assert.That(error.Message, Is.EqualTo($"tag '{tag}' is not supported: templates cannot include other templates"));
        Assert.That((error.Line, error.Column), Is.EqualTo((1, 4)));
    }

    [Test]
    public void CollectsIndependentErrors()
    {
        var result = TemplateCompiler.Compile("{{ a | nope1 }}\n{% if b | x %}{% endif %}\n{{ c | nope2 }}", TemplateLimits.Default);

        Assert.That(result.Success, Is.False);
        Assert.That(result.Errors.Select(e => (e.Line, e.Message)), Is.EqualTo(new[]
        {
            (1, "unknown filter 'nope1'"),
            (2, "filters are not allowed in conditions; assign the filtered value first"),
            (3, "unknown filter 'nope2'"),
        }));
    }

    [Test]
    public void NeverThrowsOnGarbage()
    {
        const string Alphabet = "{}%-|:'\"ab .[]()=<>!,\n#0123456789ifendforrawcommentassign";
        var random = new Random(20240115);
        var scope = Scope();
        for (var i = 0; i < 3000; i++)
        {
            var chars = new char[random.Next(1, 60)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = Alphabet[random.Next(Alphabet.Length)];
            }

            var source = new string(chars);
            var compiled = TemplateCompiler.Compile(source, TemplateLimits.Default);
            Assert.That(compiled.Success, Is.EqualTo(compiled.Errors.Count == 0), source);
            Assert.That(compiled.Errors.All(e => e.Line >= 1 && e.Column >= 1 && e.Message.Length > 0), Is.True, source);
            var rendered = compiled.Template?.Render(scope, TemplateLimits.Default);
            Assert.That(rendered is null || rendered.Success != (rendered.Error is not null), Is.True, source);
            Assert.That(rendered?.Error?.Message ?? "", Does.Not.Contain("internal error"), source);
        }
    }
}
