using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Connections;
using BluBees.Engine.Egress;
using BluBees.Engine.Json;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.NewKind;

/// <summary>
/// "Adding a step kind touches one folder plus its registration": <see cref="EchoStepKind"/> lives in this folder only,
/// and registering it (here, a <see cref="StepKindSet"/> with it; in production, its entry in <see cref="StepKinds.All"/>)
/// is enough for its steps to be read from and written to the flat wire format, compiled, and kept to their own fields.
/// The API test <c>StepSchemaTests</c> shows the same for the OpenAPI document.
/// </summary>
public sealed class NewKindTests
{
    private static readonly StepKindSet Kinds = new([.. StepKinds.All, EchoStepKind.Instance]);

    private static readonly JsonSerializerOptions Options = WithKinds();

    private static JsonSerializerOptions WithKinds()
    {
        var options = new JsonSerializerOptions(JsonDefaults.Options);
        options.Converters.Insert(0, new StepDefinitionConverter(Kinds));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    [Test]
    public void Its_fields_are_its_record_s()
    {
        Assert.That(EchoStepKind.Instance.Fields, Is.EquivalentTo(new[] { "text", "repeat" }));
        Assert.That(EchoStepKind.Instance.DefinitionType, Is.EqualTo(typeof(EchoStepDefinition)));
    }

    [Test]
    public void A_step_of_it_round_trips_through_the_flat_json()
    {
        var json = """{"id":"say","type":"test.echo","text":"hi","repeat":2,"onError":"continue"}""";

        var step = JsonSerializer.Deserialize<StepDefinition>(json, Options);
        var written = JsonSerializer.SerializeToNode(step, Options);

        Assert.That(step, Is.EqualTo(new EchoStepDefinition { Id = "say", Text = "hi", Repeat = 2, OnError = "continue" }));
        Assert.That(JsonNode.DeepEquals(written, JsonNode.Parse(json)), Is.True, written?.ToJsonString());
    }

    [Test]
    public void It_is_compiled_and_validated_by_its_own_compiler()
    {
        var (compiled, errors) = Compile("""{"id":"say","type":"test.echo","text":"hi"}""", """{"id":"bad","type":"test.echo","repeat":9}""");

        Assert.That(compiled.Select(c => c.Kind), Is.EqualTo(new[] { EchoStepKind.KindName }));
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "steps[1].text", "steps[1].repeat" }));
    }

    [Test]
    public void Its_steps_refuse_other_kinds_fields_and_other_kinds_refuse_its_fields_on_save()
    {
        var (_, errors) = Compile(
            """{"id":"say","type":"test.echo","text":"hi","url":"https://example.com"}""",
            """{"id":"call","type":"http","url":"https://example.com","text":"hi"}""");

        Assert.That(errors.ToDictionary(), Is.EqualTo(new Dictionary<string, string[]>
        {
            ["steps[0].url"] = ["is not used by a step of type 'test.echo'"],
            ["steps[1].text"] = ["is not used by a step of type 'http'"],
        }));
    }

    [Test]
    public void A_field_no_kind_has_is_still_refused_when_read()
    {
        var error = Assert.Throws<NestedJsonException>(() => JsonSerializer.Deserialize<StepDefinition>("""{"id":"say","type":"test.echo","txet":"hi"}""", Options));

        Assert.That(error!.ValueType, Is.EqualTo(typeof(EchoStepDefinition)));
        Assert.That(error.Inner.Path, Is.EqualTo("$.txet"));
    }

    [Test]
    public void Without_its_registration_its_type_is_unknown()
    {
        var step = JsonSerializer.Deserialize<StepDefinition>("""{"id":"say","type":"test.echo"}""", JsonDefaults.Options)!;
        var errors = new ValidationErrors();

        StepListCompiler.Compile([step], new Dictionary<string, Connection>(), new EgressOptions(), TemplateLimits.Default, errors);

        Assert.That(step, Is.InstanceOf<UnknownStepDefinition>());
        Assert.That(errors.ToDictionary()["steps[0].type"].Single(), Does.StartWith("'test.echo' is not a step type"));
    }

    private static (List<BluBees.Engine.Execution.ICompiledStep> Compiled, ValidationErrors Errors) Compile(params string[] steps)
    {
        var definitions = JsonSerializer.Deserialize<List<StepDefinition>>($"[{string.Join(",", steps)}]", Options)!;
        var errors = new ValidationErrors();
        var compiled = StepListCompiler.Compile(definitions, new Dictionary<string, Connection>(), new EgressOptions(), TemplateLimits.Default, errors, Kinds);
        return (compiled, errors);
    }
}
