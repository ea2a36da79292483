using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class WhitespaceControlTests
{
    [TestCase("a  {{- 'b' -}}  c", "abc")]
    [TestCase("a  {{- 'b' }}  c", "ab  c")]
    [TestCase("a  {{ 'b' -}}  c", "a  bc")]
    [TestCase("[\n  {%- if true -%}\n  x\n  {%- endif -%}\n]", "[x]")]
    [TestCase("[ {% if true %} x {% endif %} ]", "[  x  ]")]
    [TestCase("{%- assign a = 1 -%}\n\n{{ a }}\n", "1\n")]
    [TestCase("{% for i in (1..3) -%}\n  {{ i }}\n{%- endfor %}", "123")]
    [TestCase("a {%- raw -%} b {%- endraw -%} c", "abc")]
    [TestCase("a {%- comment -%} x {%- endcomment -%} b", "ab")]
    [TestCase("a {% comment %} x {% endcomment -%}  b", "a b")]
    [TestCase("a  {%- # note -%}  b", "ab")]
    [TestCase("{{ 'x' -}}{{ 'y' }}", "xy")]
    [TestCase("x\n{{- 'y' -}}\n\n", "xy")]
    public void TrimsAroundDashes(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));
}
