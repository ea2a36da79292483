using System.Text;
using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>Random but well-formed templates over awkward data: every failure must be an engine-authored value.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] Filters =
    [
        "json", "url_encode", "url_decode", "escape", "upcase", "capitalize", "strip", "default: 'd'", "default: nil, allow_false: true",
        "size", "join: ','", "split: ','", "split: ''", "first", "last", "append: s", "replace: '', 'x'", "remove_first: 'i'",
        "truncate: -1, 'xx'", "slice: -9, 2", "plus: 1", "minus: 2.5", "times: 9223372036854775807", "divided_by: -1", "modulo: 3",
        "abs", "round: 2", "ceil", "at_most: 'x'", "base64_encode", "base64_decode", "date: '%Y %z %-d %q %'", "sort", "sort: 'name'",
        "sort_natural", "uniq", "uniq: 'name'", "reverse", "compact: 'lead'", "map: 'name'", "where: 'name', 'api'", "concat: (1..3)",
    ];

    private static readonly string[] Values =
    [
        "issue", "issue.fields", "issue.fields.labels", "issue.fields.components", "issue.fields.nums", "deep", "(1..5)", "(1..2147483647)",
        "(-5..x)", "'abc'", "42", "2.5", "9223372036854775807", "-9223372036854775808", "true", "nil", "empty", "blank", "forloop",
        "forloop.index", "x", "s", "issue.fields.labels[-1]", "issue['key']", "issue.fields.created", "big", "odd",
    ];

    [Test]
    [CancelAfter(60_000)]
    public void RandomTemplatesFailOnlyWithEngineMessages()
    {
        var random = new Random(7);
        var scope = Scope("""
            { "issue": { "key": "PRJ-1", "fields": { "labels": ["ui", "auth"], "nums": [3, null, 1.5, "7"],
              "components": [ { "name": "web", "lead": "ann" }, 5, null, [1] ], "created": "2024-01-15T10:30:00.000+0000" } },
              "big": 123456789012345678901234567890, "odd": "x\u0000\ud800y" }
            """);
        scope["deep"] = Enumerable.Range(0, 3000).Aggregate((JsonNode)new JsonArray(1), (node, _) => new JsonArray(node));

        for (var i = 0; i < 1500; i++)
        {
            var source = Block(random, 0);
            if (source.Length > TemplateLimits.Default.MaxSourceChars)
            {
                continue;
            }

            var compiled = TemplateCompiler.Compile(source, TemplateLimits.Default);
            Assert.That(compiled.Success, Is.True, () => $"{compiled.Errors[0]} in {source}");
            var rendered = compiled.Template!.Render(scope, TemplateLimits.Default);
            var evaluated = compiled.Template.Evaluate(scope, TemplateLimits.Default);
            foreach (var error in new[] { rendered.Error, evaluated.Error })
            {
                Assert.That(error?.Message ?? "", Does.Not.StartWith("internal error"), source);
            }
        }
    }

    [Test]
    public void EscapedLoneSurrogatesInScopeStringsAreKept() =>
        Assert.That(Render("{{ odd | size }}:{{ odd | json }}", Scope("""{ "odd": "a\ud800b" }""")), Is.EqualTo("3:\"a\ud800b\""));

    [Test]
    public void DateOfTheSmallestIntegerIsLeftAsIs() =>
        Assert.That(Render("{{ -9223372036854775808 | date: '%Y' }}"), Is.EqualTo("-9223372036854775808"));

    private static string Block(Random random, int depth)
    {
        string Pick(string[] items) => items[random.Next(items.Length)];
        string Filtered() => Pick(Values) + string.Concat(Enumerable.Range(0, random.Next(4)).Select(_ => " | " + Pick(Filters)));
        string Condition() => $"{Pick(Values)} {Pick(["==", "!=", "<", ">=", "contains"])} {Pick(Values)} {Pick(["and", "or"])} {Pick(Values)}";

        var builder = new StringBuilder();
        for (var k = random.Next(1, 5); k > 0; k--)
        {
            builder.Append((depth > 2 ? random.Next(3) : random.Next(8)) switch
            {
                0 => $"{{{{ {Filtered()} }}}}",
                1 => $"{{% assign {Pick(["x", "s"])} = {Filtered()} %}}",
                2 => "txt {{- 'w' -}} ",
                3 => $"{{% if {Condition()} %}}{Block(random, depth + 1)}{{% elsif {Condition()} %}}e{{% else %}}{Block(random, depth + 1)}{{% endif %}}",
                4 => $"{{% for it in {Pick(Values)} reversed limit: 3 %}}{{% if forloop.last %}}{{% break %}}{{% endif %}}{Block(random, depth + 1)}{{% else %}}E{{% endfor %}}",
                5 => $"{{% capture s %}}{Block(random, depth + 1)}{{% endcapture %}}",
                6 => $"{{% case {Pick(Values)} %}}{{% when {Pick(Values)}, {Pick(Values)} %}}{Block(random, depth + 1)}{{% else %}}z{{% endcase %}}",
                _ => $"{{% for i in (1..3) %}}{{% for j in (1..2) %}}{{% continue %}}{Block(random, depth + 1)}{{% endfor %}}{{% endfor %}}",
            });
        }

        return builder.ToString();
    }
}
