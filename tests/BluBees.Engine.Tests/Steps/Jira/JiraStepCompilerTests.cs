using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Jira;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;
using BluBees.Engine.Execution;

namespace BluBees.Engine.Tests.Steps.Jira;

/// <summary>Each Jira kind validates its fields and names the field of every problem.</summary>
[TestFixture]
public sealed class JiraStepCompilerTests
{
    [TestCase("""{"id":"c","type":"jira.comment"}""", "steps[0].body", "is required")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"  "}""", "steps[0].body", "must not be empty")]
    [TestCase("""{"id":"c","type":"jira.comment","body":42}""", "steps[0].body", "Atlassian Document Format")]
    [TestCase("""{"id":"c","type":"jira.comment","body":{"type":"paragraph"}}""", "steps[0].body", "Atlassian Document Format")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"{{ issue.key "}""", "steps[0].body", "template error")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"x","issue":"{% if %}"}""", "steps[0].issue", "template error")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"x","fields":{"summary":"y"}}""", "steps[0].fields", "is not used by jira.comment")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"x","connection":"conn_1"}""", "steps[0].connection", "is not used by Jira")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"x","url":"https://x.example"}""", "steps[0].url", "is not used by Jira")]
    [TestCase("""{"id":"c","type":"jira.comment","body":"x","onError":"retry"}""", "steps[0].onError", "'stop' or 'continue'")]
    [TestCase("""{"id":"e","type":"jira.edit"}""", "steps[0].fields", "is required")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{}}""", "steps[0].fields", "is required")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"status":"Done"}}""", "steps[0].fields.status", "not a field this step sets")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"customfield_abc":"1"}}""", "steps[0].fields.customfield_abc", "not a field this step sets")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"summary":7}}""", "steps[0].fields.summary", "must be a text template")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"labels":7}}""", "steps[0].fields.labels", "list of labels")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"priority":true}}""", "steps[0].fields.priority", "priority name")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"assignee":[1]}}""", "steps[0].fields.assignee", "account id")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"description":{"type":"x"}}}""", "steps[0].fields.description", "Atlassian Document Format")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"summary":"{{ x "}}""", "steps[0].fields.summary", "template error")]
    [TestCase("""{"id":"e","type":"jira.edit","fields":{"summary":"x"},"body":"y"}""", "steps[0].body", "is not used by jira.edit")]
    [TestCase("""{"id":"t","type":"jira.transition"}""", "steps[0].transition", "exactly one")]
    [TestCase("""{"id":"t","type":"jira.transition","transition":"Done","transitionId":"31"}""", "steps[0].transition", "exactly one")]
    [TestCase("""{"id":"t","type":"jira.transition","transitionId":"{{ x "}""", "steps[0].transitionId", "template error")]
    [TestCase("""{"id":"f","type":"jira.fetch","transition":"Done"}""", "steps[0].transition", "is not used by jira.fetch")]
    [TestCase("""{"id":"f","type":"jira.fetch","method":"POST"}""", "steps[0].method", "is not used by Jira")]
    [TestCase("""{"id":"f","type":"jira.fetch","headers":{"a":"b"}}""", "steps[0].headers", "is not used by Jira")]
    public void Invalid_steps_name_the_field(string json, string path, string message)
    {
        var errors = Compile(json, out var step);

        Assert.That(step, Is.Null);
        Assert.That(errors.ToDictionary(), Does.ContainKey(path), errors.ToString());
        Assert.That(errors.ToDictionary()[path], Has.Some.Contains(message));
    }

    [TestCase("""{"id":"c","type":"jira.comment","body":"Hello {{ issue.key }}"}""", "POST")]
    [TestCase("""{"id":"c","type":"jira.comment","body":{"type":"doc","version":1,"content":[]},"onError":"continue"}""", "POST")]
    [TestCase("""{"id":"e","type":"jira.edit","issue":"{{ steps.x.body.key }}","fields":{"summary":"s","customfield_10010":{"value":"{{ issue.key }}"},"assignee":null}}""", "PUT")]
    [TestCase("""{"id":"t","type":"jira.transition","transition":"Done"}""", "POST")]
    [TestCase("""{"id":"t","type":"jira.transition","transitionId":"31"}""", "POST")]
    [TestCase("""{"id":"f","type":"jira.fetch","issue":"OPS-1"}""", "GET")]
    public void Valid_steps_compile(string json, string method)
    {
        var errors = Compile(json, out var step);

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(step!.Method, Is.EqualTo(method));
        Assert.That(step.ConnectionId, Is.Null);
        Assert.That(CompiledJiraStep.IsWrite(step), Is.EqualTo(method != "GET"));
    }

    [Test]
    public void A_rule_lists_the_Jira_kinds_in_its_type_error()
    {
        var (rule, errors) = StepKit.CompileRule(StepKit.Rule("""{"id":"x","type":"jira.delete"}"""));

        Assert.That(rule, Is.Null);
        Assert.That(errors.ToDictionary()["steps[0].type"].Single(), Does.Contain("'jira.comment'").And.Contain("'jira.fetch'").And.Contain("'jira.transition'").And.Contain("'jira.edit'"));
    }

    [Test]
    public void A_rule_with_a_Jira_step_compiles_without_connections()
    {
        var (rule, errors) = StepKit.CompileRule(StepKit.Rule("""{"id":"note","type":"jira.comment","body":"Seen {{ issue.key }}"}"""), connections: StepKit.ConnectionMap());

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(rule!.Steps.Single().Kind, Is.EqualTo("jira.comment"));
    }

    private static ValidationErrors Compile(string json, out ICompiledStep? step)
    {
        var definition = TestJson.Read<StepDefinition>(json);
        var errors = new ValidationErrors();
        Assert.That(StepKinds.TryGet(definition.Type, out var compiler), Is.True);
        step = compiler!.Compile(definition, "steps[0]", new StepCompileContext(null, new EgressOptions(), TemplateLimits.Default), errors);
        return errors;
    }
}
