using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class ConcurrencyTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task OneCompiledTemplateRendersConcurrently()
    {
        var template = Compile(
            "{% assign total = 0 %}{% for i in (1..50) %}{% assign total = total | plus: i %}{% endfor %}" +
            "{% capture lower %}{{ issue.key | downcase }}{% endcapture %}{{ issue.key }}:{{ total }}:{{ lower }}:" +
            "{% for l in issue.fields.labels %}{{ forloop.index }}{{ l }}{% endfor %}");

        var tasks = Enumerable.Range(0, 200).Select(n => Task.Run(() =>
        {
            var scope = new JsonObject
            {
                ["issue"] = new JsonObject
                {
                    ["key"] = $"K-{n}",
                    ["fields"] = new JsonObject { ["labels"] = new JsonArray($"a{n}", $"b{n}") },
                },
            };
            return (n, text: template.Render(scope, TemplateLimits.Default).Output, value: template.Evaluate(scope, TemplateLimits.Default).Value);
        }));

        var results = await Task.WhenAll(tasks);

        foreach (var (n, text, value) in results)
        {
            var expected = $"K-{n}:1275:k-{n}:1a{n}2b{n}";
            Assert.That(text, Is.EqualTo(expected));
            Assert.That(value!.GetValue<string>(), Is.EqualTo(expected));
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task OneParsedScopeCanBeReadByConcurrentRenders()
    {
        // Concurrent reads of a JsonNode tree are safe (System.Text.Json made lazy materialisation thread-safe in .NET 8).
        var scope = Scope();
        var template = Compile("{{ issue.fields.components | map: 'name' | join: ',' }}|{{ issue.fields.labels | uniq | size }}|{{ steps.create.body.id }}");

        var outputs = await Task.WhenAll(Enumerable.Range(0, 100)
            .Select(_ => Task.Run(() => template.Render(scope, TemplateLimits.Default).Output)));

        Assert.That(outputs, Is.All.EqualTo("web,api|2|77"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task BudgetsArePerRenderNotShared()
    {
        // Each render uses 1500 of 2000 loop iterations: sharing the counter would fail the later renders.
        var template = Compile("{% for i in (1..1500) %}{% endfor %}ok");

        var outputs = await Task.WhenAll(Enumerable.Range(0, 40)
            .Select(_ => Task.Run(() => template.Render(Scope(), TemplateLimits.Default).Output)));

        Assert.That(outputs, Is.All.EqualTo("ok"));
    }
}
