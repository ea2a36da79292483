using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Flow;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Tests.Support;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps;

/// <summary>The flat wire format of a step, read into its kind's record and written back as it was.</summary>
public sealed class StepDefinitionConverterTests
{
    [Test]
    public void A_step_is_read_into_its_kind_s_record_nested_ones_too()
    {
        var rule = TestJson.Read<RuleDefinition>("""
            { "name": "n", "steps": [
              { "id": "b", "type": "if", "if": { "field": "issue.key", "op": "isNotEmpty" },
                "then": [ { "id": "c", "type": "jira.comment", "body": "x" } ],
                "else": [ { "type": "forEach", "id": "e", "items": "issue.fields.subtasks", "steps": [ { "id": "h", "type": "http", "url": "https://a.example" } ] } ] } ] }
            """);

        var block = (IfStepDefinition)rule.Steps![0];
        Assert.That(block.Then![0], Is.InstanceOf<JiraCommentStepDefinition>());
        Assert.That(((ForEachStepDefinition)block.Else![0]).Steps![0], Is.EqualTo(new HttpStepDefinition { Id = "h", Url = "https://a.example" }));
    }

    [Test]
    public void A_field_of_another_kind_is_kept_and_written_back_a_null_one_is_dropped()
    {
        // How a stored rule saved before the registry refused foreign fields still loads (and runs: StepKindRegistryTests).
        var step = TestJson.Read<StepDefinition>("""{ "id": "s", "type": "http", "url": "https://a.example", "model": "gpt", "jql": null }""");

        Assert.That(step, Is.InstanceOf<HttpStepDefinition>());
        Assert.That(step.ForeignFields.Keys, Is.EqualTo(new[] { "model" }));
        Assert.That(JsonNode.DeepEquals(JsonSerializer.SerializeToNode(step, JsonDefaults.Options), JsonNode.Parse("""{ "id": "s", "type": "http", "url": "https://a.example", "model": "gpt" }""")), Is.True);
    }

    [Test]
    public void A_missing_or_unknown_type_reads_the_common_fields_and_keeps_the_rest()
    {
        var missing = TestJson.Read<StepDefinition>("""{ "id": "s", "connection": "conn_api" }""");
        var unknown = TestJson.Read<StepDefinition>("""{ "id": "s", "type": "HTTP", "connection": "conn_api" }""");

        Assert.That(missing, Is.InstanceOf<UnknownStepDefinition>().With.Property(nameof(StepDefinition.Type)).Null);
        Assert.That(unknown, Is.InstanceOf<UnknownStepDefinition>().With.Property(nameof(StepDefinition.Type)).EqualTo("HTTP"));
        Assert.That(unknown.ForeignFields.Keys, Is.EqualTo(new[] { "connection" }));
    }

    [Test]
    public void Names_are_matched_as_the_options_match_them()
    {
        // The web defaults read names case-insensitively; the step's type and fields follow the same rule.
        var step = TestJson.Read<StepDefinition>("""{ "Id": "s", "Type": "http", "URL": "https://a.example", "Model": "gpt" }""");

        Assert.That(step, Is.EqualTo(new HttpStepDefinition { Id = "s", Url = "https://a.example" } with { ForeignFields = step.ForeignFields }));
        Assert.That(step.ForeignFields.Keys, Is.EqualTo(new[] { "model" }));
    }

    [Test]
    public void A_step_built_in_code_is_written_flat_with_its_type()
    {
        var written = JsonSerializer.SerializeToNode<StepDefinition>(new JiraSearchStepDefinition { Id = "s", Jql = "project = OPS" }, JsonDefaults.Options);

        Assert.That(written!.ToJsonString(), Is.EqualTo("""{"id":"s","type":"jira.search","jql":"project = OPS"}"""));
    }
}
