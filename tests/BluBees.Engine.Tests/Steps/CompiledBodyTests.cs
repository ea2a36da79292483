using System.Text.Json.Nodes;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

public sealed class CompiledBodyTests
{
    private static (CompiledBody? Body, ValidationErrors Errors) Compile(JsonNode? body)
    {
        var errors = new ValidationErrors();
        return (CompiledBody.Compile(body, "steps[0].body", TemplateLimits.Default, errors), errors);
    }

    private static JsonNode? Build(string bodyJson, JsonObject? scope = null)
    {
        var (body, errors) = Compile(TestJson.Node(bodyJson));
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());
        var (value, error) = body!.Build(scope ?? SampleEvents.Scope(), TemplateLimits.Default);
        Assert.That(error, Is.Null);
        return value;
    }

    private static JsonNode Nest(int depth)
    {
        JsonNode node = "{{ issue.key }}";
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["n"] = node };
        }

        return node;
    }

    [Test]
    public void NoBodyCompilesToNothing()
    {
        var (body, errors) = Compile(null);

        Assert.That(body, Is.Null);
        Assert.That(errors.IsEmpty, Is.True);
    }

    [Test]
    public void ASingleOutputKeepsTheValuesJsonType()
    {
        var body = Build("""
            {
              "num": "{{ issue.fields.num }}",
              "padded": "  {{ issue.fields.estimate }}  ",
              "labels": "{{ issue.fields.labels }}",
              "priority": "{{ issue.fields.priority }}",
              "missing": "{{ issue.fields.nothere }}",
              "text": "PRJ {{ issue.key }}",
              "numText": "{{ issue.fields.numText }}"
            }
            """);

        Assert.That(JsonNode.DeepEquals(body, TestJson.Node("""
            {
              "num": 42,
              "padded": 2.5,
              "labels": ["ui", "auth"],
              "priority": { "name": "High" },
              "missing": null,
              "text": "PRJ PRJ-12",
              "numText": "42"
            }
            """)), Is.True, body!.ToJsonString());
    }

    [Test]
    public void ConstantsAreKeptAsTheyAre()
    {
        const string Constants = """{ "t": true, "f": false, "n": null, "i": 7, "d": -1.5e3, "s": "plain", "a": [1, "two", [3]], "o": {} }""";

        Assert.That(JsonNode.DeepEquals(Build(Constants), TestJson.Node(Constants)), Is.True);
    }

    [Test]
    public void ValuesCannotBreakOutOfTheirPlace()
    {
        var scope = SampleEvents.Scope(SampleEvents.With("summary", "\",\"admin\":true,\"x\":\""));

        var body = Build("""{ "title": "Bug: {{ issue.fields.summary }}", "raw": "{{ issue.fields.summary }}" }""", scope);

        Assert.That(body!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "title", "raw" }));
        Assert.That(body["title"]!.GetValue<string>(), Is.EqualTo("Bug: \",\"admin\":true,\"x\":\""));
        Assert.That(body["raw"]!.GetValue<string>(), Is.EqualTo("\",\"admin\":true,\"x\":\""));
    }

    [Test]
    public void EachBuildIsIndependentOfTheScope()
    {
        var scope = SampleEvents.Scope();
        var body = Build("""{ "labels": "{{ issue.fields.labels }}" }""", scope)!;

        body["labels"]!.AsArray().Add("mutated");

        Assert.That(scope["issue"]!["fields"]!["labels"]!.AsArray(), Has.Count.EqualTo(2), "the built body is a copy, not a view of the scope");
    }

    [Test]
    public void ARuntimeTemplateErrorFailsTheWholeBody()
    {
        var (body, errors) = Compile(TestJson.Node("""{ "a": "ok", "b": ["{{ issue.fields.num | divided_by: 0 }}"] }"""));
        Assert.That(errors.IsEmpty, Is.True, () => errors.ToString());

        var (value, error) = body!.Build(SampleEvents.Scope(), TemplateLimits.Default);

        Assert.That(value, Is.Null);
        Assert.That(error, Is.Not.Null);
    }

    [Test]
    public void NestsUpToSixteenLevels()
    {
        Assert.That(Compile(Nest(CompiledBody.MaxDepth)).Errors.IsEmpty, Is.True);
    }

    [Test]
    public void SeventeenLevelsAreRefusedAtTheTooDeepValue()
    {
        var errors = Compile(Nest(CompiledBody.MaxDepth + 1)).Errors.ToDictionary();
        var path = "steps[0].body" + string.Concat(Enumerable.Repeat(".n", CompiledBody.MaxDepth));

        Assert.That(errors, Is.EqualTo(new Dictionary<string, string[]> { [path] = ["the body nests more than 16 levels"] }));
    }

    [Test]
    public void CountsEveryValueContainersIncluded()
    {
        // The root array is one of the 500 values.
        var fits = new JsonArray([.. Enumerable.Range(0, CompiledBody.MaxLeaves - 1).Select(i => (JsonNode?)JsonValue.Create(i))]);
        var tooMany = new JsonArray([.. Enumerable.Range(0, CompiledBody.MaxLeaves + 100).Select(i => (JsonNode?)JsonValue.Create(i))]);

        Assert.That(Compile(fits).Errors.IsEmpty, Is.True);
        Assert.That(Compile(tooMany).Errors.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[0].body[499]"] = ["the body has more than 500 values"],
        }), "reported once, at the first value over the limit");
    }
}
