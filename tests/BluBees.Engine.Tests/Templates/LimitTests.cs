using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

/// <summary>Hostile templates: each must end quickly with a Limit error instead of hanging or eating memory.</summary>
[CancelAfter(30_000)]
public sealed class LimitTests
{
    /// <summary>
    /// Renders under the hang guard (<see cref="TemplateTestKit.Bounded{T}"/> fails the test if the render does not end):
    /// no wall-clock pass condition. What ended the render is what each test asserts: the Limit error naming the rule.
    /// </summary>
    private static TemplateRenderResult RenderHostile(string source, JsonObject? scope = null, TemplateLimits? limits = null)
        => Bounded(() => RenderResult(source, scope, limits));

    private static void AssertLimit(TemplateRenderResult result, string message)
    {
        Assert.That(result.Success, Is.False);
        Assert.That(result.Output, Is.Null);
        Assert.That(result.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(result.Error!.Kind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(result.Error.Message, Does.Contain(message));
    }

    /// <summary>{"deep":{"x":{"x":…{"leaf":"bottom"}}}}, built bottom-up (attaching a parent is cheap that way).</summary>
    private static JsonObject DeepScope(int depth)
    {
        var node = new JsonObject { ["leaf"] = "bottom" };
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["x"] = node };
        }

        return new JsonObject { ["deep"] = node };
    }

    [Test]
    public void SourceTooLong()
    {
        var error = CompileError(new string('x', 16_385));

        Assert.That(error.Kind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(error.Message, Is.EqualTo("template exceeds 16384 characters"));
        Assert.That(TemplateCompiler.Compile(new string('x', 16_384), TemplateLimits.Default).Success, Is.True);
    }

    [TestCase(24)]
    [TestCase(100_000)] // a configured limit above the hard ceiling is still safe
    public void ThousandNestedIfsFailAtCompileTimeWithoutStackOverflow(int configured)
    {
        var limits = TemplateLimits.Default with { MaxNestingDepth = configured, MaxSourceChars = 100_000 };
        var source = string.Concat(Enumerable.Repeat("{% if true %}", 1000)) + string.Concat(Enumerable.Repeat("{% endif %}", 1000));

        var error = Bounded(() => CompileError(source, limits));

        Assert.That(error.Kind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(error.Message, Is.EqualTo($"tags are nested deeper than {Math.Min(configured, 256)} levels"));
        Assert.That(error.Line, Is.EqualTo(1));
    }

    [Test]
    public void NestingUpToTheLimitWorks()
    {
        var source = string.Concat(Enumerable.Repeat("{% if true %}", 24)) + "deep" + string.Concat(Enumerable.Repeat("{% endif %}", 24));

        Assert.That(Render(source), Is.EqualTo("deep"));
    }

    [Test]
    public void DeeplyNestedBracketsFailAtCompileTime()
    {
        var source = "{{ a" + string.Concat(Enumerable.Repeat("[a", 5000)) + new string(']', 5000) + " }}";

        var error = Bounded(() => CompileError(source));

        Assert.That(error.Kind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(error.Message, Is.EqualTo("expression nesting exceeds 24 levels"));
    }

    [Test]
    public void RunawayNestedLoopsEndOnTheIterationLimit() => AssertLimit(
        RenderHostile("{% for a in (1..100000000) %}{% for b in (1..100000000) %}x{% endfor %}{% endfor %}"),
        "loops exceed 2000 iterations");

    [Test]
    public void RangeUpToIntMaxIsLazy()
    {
        Assert.That(Render("{{ (1..2147483647) | size }} {{ (1..2147483647) | last }}"), Is.EqualTo("2147483647 2147483647"));
        AssertLimit(RenderHostile("{% for i in (1..2147483647) %}{% endfor %}"), "loops exceed 2000 iterations");
        AssertLimit(RenderHostile("{{ (1..2147483647) | join: ',' }}"), "a string value exceeds 65536 characters");
        AssertLimit(RenderHostile("{{ (1..2147483647) | join: '' | size }}", limits: TemplateLimits.Default with { MaxSteps = 500 }), "evaluation steps");
        AssertLimit(RenderHostile("{{ (1..2147483647) | sort | first }}"), "evaluation steps");
        AssertLimit(RenderHostile("{{ (-99999999999999999999..99999999999999999999) | json }}"), "characters");
    }

    [Test]
    public void DoublingStringsEndOnTheStringCap() => AssertLimit(
        RenderHostile("{% assign s = \"x\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}"),
        "a string value exceeds 65536 characters");

    [Test]
    public void ReplaceBlowUpIsRefusedBeforeAllocating() => AssertLimit(
        RenderHostile("{% assign s = 'xxxxxxxxxx' %}{% for i in (1..10) %}{% assign s = s | replace: 'x', 'xxxxxxxxxx' %}{% endfor %}"),
        "a string value exceeds 65536 characters");

    [Test]
    public void CaptureInALoopEndsOnTheCap() => AssertLimit(
        RenderHostile("{% capture s %}x{% endcapture %}{% for i in (1..30) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}"),
        "exceeds 65536 characters");

    [Test]
    public void HugeOutputEndsOnTheOutputCap() => AssertLimit(
        RenderHostile("{% for i in (1..2000) %}0123456789012345678901234567890123456789{% endfor %}"),
        "output exceeds 65536 characters");

    [Test]
    public void RepeatedLargeStringWorkEndsOnTheAllocationBudget() => AssertLimit(
        RenderHostile("{% capture s %}{% for i in (1..1000) %}0123456789012345678901234567890123456789{% endfor %}{% endcapture %}" +
                      "{% for i in (1..2000) %}{% assign t = s | append: 'x' %}{% endfor %}{{ t | size }}",
                      limits: TemplateLimits.Default with { MaxSteps = 10_000_000 }), // past the length-charged steps
        "string operations exceed");

    [Test]
    public void RepeatedLargeStringWorkEndsOnTheLengthChargedSteps() => AssertLimit(
        RenderHostile("{% capture s %}{% for i in (1..1000) %}0123456789012345678901234567890123456789{% endfor %}{% endcapture %}" +
                      "{% for i in (1..2000) %}{% assign t = s | append: 'x' %}{% endfor %}{{ t | size }}"),
        "template exceeds 20000 evaluation steps");

    [Test]
    public void StepLimitIsConfigurable() => AssertLimit(
        RenderHostile("{% for i in (1..500) %}{{ i | plus: 1 | minus: 1 }}{% endfor %}", limits: TemplateLimits.Default with { MaxSteps = 1000 }),
        "template exceeds 1000 evaluation steps");

    [TestCase("{{ deep | json }}", "nested deeper than 64 levels")]
    [TestCase("{{ deep }}", "nested deeper than 64 levels")]
    [TestCase("{% if deep == deep %}same{% endif %}", "nested deeper than 64 levels")]
    [TestCase("{{ deep | uniq | size }}", "nested deeper than 64 levels")]
    public void DeepJsonInScopeDoesNotOverflowTheStack(string source, string message) =>
        AssertLimit(RenderHostile(source, DeepScope(10_000)), message);

    [Test]
    public void DeepJsonInScopeIsBoundedInValueModeButPathsStillWork()
    {
        var scope = DeepScope(10_000);
        var value = Bounded(() => Compile("{{ deep }}").Evaluate(scope, TemplateLimits.Default));

        Assert.That(value.ErrorKind, Is.EqualTo(TemplateErrorKind.Limit));
        Assert.That(value.Error!.Message, Does.Contain("nested deeper than 64 levels"));
        Assert.That(Render("{{ deep" + string.Concat(Enumerable.Repeat(".x", 200)) + ".x.size }}", scope), Is.EqualTo("1"));
    }

    [TestCase("{{ 'x' | truncate: 999999999 }}", "x")]
    [TestCase("{{ 'abcdef' | truncate: 99999999999999999999999 }}", "abcdef")]
    [TestCase("{{ 'abcdef' | truncate: -5 }}", "...")]
    [TestCase("{{ 'abcdef' | slice: 2, 99999999999999999999 }}", "cdef")]
    [TestCase("{{ 'abcdef' | slice: -99999999999999999999 }}", "")]
    [TestCase("{{ 99999999999999999999 | times: 99999999999999999999 }}", "1E+40")]
    [TestCase("{{ -9223372036854775808 | modulo: -1 }}", "0")]
    [TestCase("{% for i in (1..3) limit: 99999999999999999999 offset: -5 %}{{ i }}{% endfor %}", "123")]
    public void ExtremeArgumentsBehave(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ 9223372036854775807 | plus: 1 }}", "filter 'plus': integer overflow")]
    [TestCase("{{ 9223372036854775807 | times: 2 }}", "filter 'times': integer overflow")]
    [TestCase("{{ -9223372036854775808 | abs }}", "filter 'abs': integer overflow")]
    [TestCase("{{ -9223372036854775808 | divided_by: -1 }}", "filter 'divided_by': integer overflow")]
    [TestCase("{% assign n = 1.5 %}{% for i in (1..20) %}{% assign n = n | times: 99999999999999999999 %}{% endfor %}", "filter 'times': the result is not a finite number")]
    public void NumericOverflowIsARuntimeError(string source, string message)
    {
        var result = RenderHostile(source);

        Assert.That(result.ErrorKind, Is.EqualTo(TemplateErrorKind.Runtime));
        Assert.That(result.Error!.Message, Is.EqualTo(message));
    }
}
