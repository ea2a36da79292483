using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class PathAndLiteralTests
{
    [TestCase("{{ issue.fields.summary }}", "Login fails")]
    [TestCase("{{ issue['key'] }}", "PRJ-12")]
    [TestCase("{{ issue[\"fields\"][\"priority\"].name }}", "High")]
    [TestCase("{{ issue.fields.labels[1] }}", "auth")]
    [TestCase("{{ issue.fields.labels[-1] }}", "ui")]
    [TestCase("{{ issue.fields.components[1].name }}", "api")]
    [TestCase("{% assign k = 'summary' %}{{ issue.fields[k] }}", "Login fails")]
    [TestCase("{% assign i = 1 %}{{ issue.fields.labels[i] }}", "auth")]
    [TestCase("{{ issue.fields.labels.size }}/{{ issue.fields.labels.first }}/{{ issue.fields.components.last.name }}", "3/ui/api")]
    [TestCase("{{ issue.key.size }}", "6")]
    [TestCase("{{ issue.fields.priority.size }}", "1")]
    [TestCase("{{ steps.create.status }} {{ steps.create.body.id }} {{ steps.create.body.url }}", "201 77 https://example.test/77")]
    [TestCase("{{ ['user'].displayName }}", "Ann Lee")]
    [TestCase("{{ event }}", "issue_updated")]
    public void PathAccess(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("[{{ nope }}][{{ issue.nope.deeper }}][{{ issue.fields.labels[99] }}][{{ issue.key.foo }}][{{ issue.fields.assignee.name }}]", "[][][][][]")]
    [TestCase("[{{ issue.fields.labels['x'] }}][{{ issue.fields.priority[0] }}][{{ nope[nope] }}][{{ nope.size }}]", "[][][][]")]
    [TestCase("[{{ issue.key | append: nope | truncate: nope }}][{{ nope | plus: nope }}][{{ nope | upcase | size }}][{{ nope | join }}]", "[PRJ-12][0][0][]")]
    public void MissingVariablesRenderEmpty(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ 'single' }}{{ \"double\" }}{{ 42 }}{{ -3.5 }}{{ true }}{{ false }}{{ nil }}{{ null }}", "singledouble42-3.5truefalse")]
    [TestCase("{{ (1..3) }} {{ (1..3) | join: ',' }}", "1..3 1,2,3")]
    [TestCase("{{ issue.fields.priority }}", "{\"name\":\"High\"}")]
    [TestCase("{{ issue.fields.labels }}", "ui, auth, ui", Description = "a list prints as Jira prints one: items joined with \", \"")]
    [TestCase("{{ issue.fields.labels | upcase }}/{{ issue.fields.labels | join: \"+\" }}", "UI, AUTH, UI/ui+auth+ui")]
    [TestCase("{{ issue.fields.storyPoints }} {{ issue.fields.estimate }} {{ issue.fields.done }}", "5 2.5 false")]
    [TestCase("{{ }}x", "x")]
    public void LiteralsAndValueText(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));
}
