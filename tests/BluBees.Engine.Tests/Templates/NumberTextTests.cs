using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>
/// Scope numbers that a long or double would not print back (digits beyond 64 bits, beyond double's range,
/// trailing zeros, exponents) keep their JSON text in outputs, compare exactly, and never become 0.
/// </summary>
public sealed class NumberTextTests
{
    private const string Data = """
        {
          "big": 123456789012345678901234567890,
          "bigger": 123456789012345678901234567891,
          "huge": 1e400,
          "negHuge": -1e400,
          "tiny": 1e-400,
          "price": 1.10,
          "exp": 1e5,
          "negZero": -0,
          "points": 5,
          "estimate": 2.5,
          "whole": 3.0,
          "long": 9223372036854775807
        }
        """;

    [TestCase("{{ big }}", "123456789012345678901234567890")]
    [TestCase("id={{ big }}", "id=123456789012345678901234567890")]
    [TestCase("/rest/api/3/issue/{{ big }}/comment", "/rest/api/3/issue/123456789012345678901234567890/comment")]
    [TestCase("{{ huge }}", "1e400")]
    [TestCase("{{ negHuge }}", "-1e400")]
    [TestCase("{{ tiny }}", "1e-400")]
    [TestCase("{{ price }}", "1.10")]
    [TestCase("{{ exp }}", "1e5")]
    [TestCase("{{ negZero }}", "-0")]
    [TestCase("{{ points }} {{ estimate }} {{ whole }} {{ long }}", "5 2.5 3.0 9223372036854775807")]
    [TestCase("{% assign x = big %}{{ x }}", "123456789012345678901234567890")]
    [TestCase("{{ big | append: '!' }}", "123456789012345678901234567890!")]
    [TestCase("{{ list | join: ',' }}", "1.10,123456789012345678901234567890")]
    [TestCase("{{ obj }}", "{\"n\":1e400}")]
    [TestCase("{{ ' .5E400 ' | as_number | json }}", "0.5e400", Description = "numeric text beyond a double: JSON grammar, not 0")]
    [TestCase("{{ 123456789012345678901234567890 }} {{ 1.50 }} {{ 007 }}", "123456789012345678901234567890 1.50 7")]
    [TestCase("{{ 00.50 | json }} {{ 123456789012345678901234567890 | json }}", "0.5 123456789012345678901234567890", Description = "json output is always JSON")]
    public void OutputsKeepTheOriginalText(string source, string expected)
    {
        var scope = Scope(Data);
        scope["list"] = JsonNode.Parse("[1.10, 123456789012345678901234567890]");
        scope["obj"] = JsonNode.Parse("""{"n":1e400}""");

        Assert.That(Render(source, scope), Is.EqualTo(expected));
    }

    [TestCase("{{ price | plus: 1 }}", "2.1")]
    [TestCase("{{ exp | plus: 1 }}", "100001.0")]
    [TestCase("{{ price | times: 1 }}", "1.1", Description = "a filter that computes prints the computed number")]
    [TestCase("{{ '1.10' | plus: 0 }}", "1.1")]
    [TestCase("{{ big | plus: 0 }}", "1.2345678901234568E+29", Description = "beyond 64 bits, arithmetic is a double's (as Jira's)")]
    [TestCase("{{ 'abc' | plus: 1 }}", "1", Description = "text that is not a number still counts as 0")]
    public void ArithmeticUsesTheNumber(string source, string expected)
    {
        Assert.That(Render(source, Scope(Data)), Is.EqualTo(expected));
    }

    [TestCase("{{ huge | plus: 1 }}", "plus")]
    [TestCase("{{ 1 | plus: huge }}", "plus")]
    [TestCase("{{ huge | ceil }}", "ceil")]
    [TestCase("{{ negHuge | round: 2 }}", "round")]
    [TestCase("{{ 10 | divided_by: huge }}", "divided_by")]
    [TestCase("{{ '1e400' | plus: 1 }}", "plus")]
    [TestCase("{{ list | sum }}", "sum")]
    public void ArithmeticOnANumberBeyondDoubleFails(string source, string filter)
    {
        var scope = Scope(Data);
        scope["list"] = JsonNode.Parse("[1, 1e400]");

        var result = RenderResult(source, scope);

        Assert.That(result.Success, Is.False, () => $"rendered '{result.Output}'");
        Assert.That(result.Error!.Message, Does.Contain($"filter '{filter}'").And.Contain("too large for arithmetic"));
        Assert.That(result.Error.Message, Does.Not.Contain("1e400"), "the message must not quote data");
    }

    [TestCase("{% if big == bigger %}same{% else %}different{% endif %}", "different")]
    [TestCase("{% if big < bigger %}less{% endif %}", "less")]
    [TestCase("{% if bigger > big %}greater{% endif %}", "greater")]
    [TestCase("{% if big > 9223372036854775807 %}beyond{% endif %}", "beyond")]
    [TestCase("{% if huge > big %}y{% endif %}{% if negHuge < -1 %}z{% endif %}", "yz")]
    [TestCase("{% if huge == 0 %}zero{% else %}not zero{% endif %}", "not zero")]
    [TestCase("{% if price == 1.1 %}eq{% endif %}{% if exp == 100000 %}eq{% endif %}", "eqeq")]
    [TestCase("{% if tiny > 0 %}positive{% endif %}", "positive")]
    [TestCase("{% if negZero == 0 %}zero{% endif %}", "zero")]
    [TestCase("{{ list | sort | join: ',' }}", "-1e400,1.10,123456789012345678901234567890,123456789012345678901234567891")]
    [TestCase("{{ list | max }}|{{ list | min }}", "123456789012345678901234567891|-1e400")]
    [TestCase("{% if list contains 123456789012345678901234567891 %}found{% endif %}", "found")]
    public void ComparisonsAreExact(string source, string expected)
    {
        var scope = Scope(Data);
        scope["list"] = JsonNode.Parse("[123456789012345678901234567891, 1.10, -1e400, 123456789012345678901234567890]");

        Assert.That(Render(source, scope), Is.EqualTo(expected));
    }

    [Test]
    public void ValueModeKeepsTheTextThroughAssignments()
    {
        var scope = Scope(Data);

        var value = Compile("{{ big | default: 0 }}").Evaluate(scope, TemplateLimits.Default);
        var huge = Compile("{{ obj.n }}").Evaluate(Scope("""{"obj":{"n":1e400}}"""), TemplateLimits.Default);

        Assert.That(value.Value!.ToJsonString(), Is.EqualTo("123456789012345678901234567890"));
        Assert.That(huge.Value!.ToJsonString(), Is.EqualTo("1e400"));
    }
}
