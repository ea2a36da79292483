using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>Error messages end up in run records and logs: they must never carry scope data.</summary>
public sealed class ErrorRedactionTests
{
    private const string Canary = "CANARY-7f3a9";

    private static JsonObject CanaryScope()
    {
        var deep = new JsonObject { ["secret"] = Canary };
        for (var i = 0; i < 100; i++)
        {
            deep = new JsonObject { [Canary + i] = deep };
        }

        return new JsonObject
        {
            ["issue"] = new JsonObject
            {
                ["key"] = Canary,
                ["fields"] = new JsonObject { ["summary"] = Canary + " summary", ["labels"] = new JsonArray(Canary, "other") },
            },
            ["number"] = Canary,
            ["deep"] = deep,
        };
    }

    [TestCase("{{ issue.fields.summary | divided_by: 0 }}")]
    [TestCase("{{ issue.key | truncate: issue.key }}")]
    [TestCase("{{ issue.key | slice: issue.fields.summary }}")]
    [TestCase("{{ issue.key | base64_decode }}")]
    [TestCase("{{ issue.key | concat: issue.key }}")]
    [TestCase("{{ issue.key | date: '%Y' }}{{ 'now' | date: issue.key }}")]
    [TestCase("{% for i in issue.fields.labels limit: issue.key %}{{ i }}{% endfor %}")]
    [TestCase("{% for i in (1..5000) %}{{ issue.fields.summary }}{% endfor %}")]
    [TestCase("{% for i in (1..5000) %}{% assign x = issue.key | append: i %}{% endfor %}")]
    [TestCase("{% assign s = issue.key %}{% for i in (1..20) %}{% assign s = s | append: s %}{% endfor %}")]
    [TestCase("{{ deep | json }}")]
    [TestCase("{{ deep }}")]
    [TestCase("{% if deep == deep %}{% endif %}")]
    [TestCase("{{ 9223372036854775807 | plus: issue.fields.labels.size | times: 9223372036854775807 }}")]
    public void MessagesNeverContainScopeValues(string source)
    {
        var template = Compile(source);
        var rendered = template.Render(CanaryScope(), TemplateLimits.Default);
        var evaluated = template.Evaluate(CanaryScope(), TemplateLimits.Default);

        foreach (var error in new[] { rendered.Error, evaluated.Error })
        {
            Assert.That(error, Is.Not.Null, "the template was expected to fail");
            Assert.That(error!.Kind, Is.AnyOf(TemplateErrorKind.Runtime, TemplateErrorKind.Limit));
            Assert.That(error.Message, Does.Not.Contain(Canary));
            Assert.That(error.ToString(), Does.Not.Contain(Canary));
        }
    }

    [Test]
    public void SyntaxErrorsQuoteOnlyTheTemplate()
    {
        var result = TemplateCompiler.Compile("{{ issue.key | nope }}{% if issue.key == %}{% endif %}", TemplateLimits.Default);

        Assert.That(result.Errors.Select(e => e.Message), Is.EqualTo(new[]
        {
            "unknown filter 'nope'",
            "expected a value but found end of tag",
        }));
    }
}
