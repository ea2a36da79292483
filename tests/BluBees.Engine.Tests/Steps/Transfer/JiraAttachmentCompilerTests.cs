using BluBees.Engine.Egress;
using BluBees.Engine.Rules;
using BluBees.Engine.Steps;
using BluBees.Engine.Steps.Transfer;
using BluBees.Engine.Templates;
using BluBees.Engine.Tests.Support;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>The <c>jiraAttachment</c> form of a transfer source: what compiles, and every misuse named by its field.</summary>
public sealed class JiraAttachmentCompilerTests
{
    private static (CompiledTransferStep? Step, IDictionary<string, string[]> Errors) Compile(string source, string destination = """{ "connection": "conn_api", "path": "/upload" }""")
    {
        var errors = new ValidationErrors();
        var definition = TestJson.Read<StepDefinition>($$"""{ "id": "archive", "type": "transfer", "source": {{source}}, "destination": {{destination}} }""");
        Assert.That(StepKinds.TryGet("transfer", out var compiler), Is.True);
        var step = (CompiledTransferStep?)compiler!.Compile(definition, "steps[0]", new StepCompileContext(StepKit.DefaultConnections(), new EgressOptions(), TemplateLimits.Default), errors);
        return (step, errors.ToDictionary());
    }

    [Test]
    public void AnAttachmentTemplateCompilesWithoutAnHttpSource()
    {
        var (step, errors) = Compile("""{ "jiraAttachment": "{{ issue.fields.attachment[0].id }}" }""");

        Assert.That(errors, Is.Empty);
        Assert.That(step!.Source, Is.Null);
        Assert.That(step.JiraAttachment, Is.Not.Null);
        Assert.That(step.ConnectionIds, Is.EqualTo(new[] { "conn_api" }), "only the destination uses a connection");
        Assert.That(Compile("""{ "jiraAttachment": " 10001 " }""").Errors, Is.Empty, "a literal id is fine");
    }

    [Test]
    public void HttpFieldsBesideTheAttachmentAreNamed()
    {
        var (step, errors) = Compile("""
            { "jiraAttachment": "10001", "connection": "conn_api", "url": "https://x.example.com/f", "path": "/f", "method": "GET",
              "headers": { "X-A": "1" }, "query": { "a": "1" } }
            """);

        Assert.That(step, Is.Null);
        foreach (var field in new[] { "connection", "url", "path", "method", "headers", "query" })
        {
            Assert.That(errors[$"steps[0].source.{field}"][0], Does.Contain("cannot be combined with 'jiraAttachment'"), field);
        }
    }

    [TestCase("\"\"", "must not be empty")]
    [TestCase("\"   \"", "must not be empty")]
    [TestCase("\"abc\"", "attachment id (digits)")]
    [TestCase("\"{{ issue.key \"", "")]
    public void AnEmptyOrInvalidAttachmentIsNamed(string value, string message)
    {
        var (step, errors) = Compile($$"""{ "jiraAttachment": {{value}} }""");

        Assert.That(step, Is.Null);
        Assert.That(errors.Keys, Is.EqualTo(new[] { "steps[0].source.jiraAttachment" }));
        Assert.That(errors["steps[0].source.jiraAttachment"][0], Does.Contain(message));
    }

    [Test]
    public void TheDocumentedExampleCompiles()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BluBees.sln")))
        {
            dir = dir.Parent;
        }

        var doc = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "api.md"));
        var section = doc[doc.IndexOf("**A Jira attachment as the source.**", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var json = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        var errors = new ValidationErrors();

        var step = StepKit.Transfer(TestJson.Read<StepDefinition>(json), "steps[0]", new StepCompileContext(null, new EgressOptions(), TemplateLimits.Default), errors);

        Assert.That(errors.IsEmpty, Is.True, errors.ToString());
        Assert.That(step!.JiraAttachment, Is.Not.Null);
        Assert.That(step.Destination.ConnectionId, Is.EqualTo("conn_storage…"));
    }

    [Test]
    public void TheDestinationCannotBeAJiraAttachment()
    {
        var (step, errors) = Compile("""{ "url": "https://a.example.com/f" }""", """{ "jiraAttachment": "10001" }""");

        Assert.That(step, Is.Null);
        Assert.That(errors["steps[0].destination.jiraAttachment"][0], Does.Contain("only allowed on the source"));
    }
}
