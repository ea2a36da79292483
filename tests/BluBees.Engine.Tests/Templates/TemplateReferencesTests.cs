using BluBees.Engine.Templates;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Templates;

/// <summary>The scope paths a template reads, found from the parsed template (outputs, tags, filter arguments).</summary>
public sealed class TemplateReferencesTests
{
    private static List<string> Paths(string source)
        => [.. TemplateReferences.Of(TemplateCompiler.Compile(source, TemplateLimits.Default).Template!).Select(r => r.Text)];

    [Test]
    public void Outputs_tags_and_filter_arguments_are_all_found()
    {
        var paths = Paths("""
            {{ issue.fields.summary | append: issue.key }}
            {% if changelog.items.size > 0 and steps.lookup.status == 200 %}x{% endif %}
            {% case event.type %}{% when user.accountId %}y{% endcase %}
            {% for label in issue.fields.labels limit: project.size %}{{ label }}{% endfor %}
            """);
        Assert.That(paths, Is.EquivalentTo(new[]
        {
            "issue.fields.summary", "issue.key", "changelog.items.size", "steps.lookup.status", "event.type", "user.accountId",
            "issue.fields.labels", "project.size",
        }));
    }

    [Test]
    public void Names_the_template_makes_itself_are_not_scope_reads()
    {
        var paths = Paths("""
            {% assign who = issue.fields.assignee %}{% capture note %}{{ who.displayName }}{% endcapture %}{{ note }}
            {% for item in steps.search.issues %}{{ item.key }} {{ forloop.index }}{% endfor %}{{ item.key }}
            """);
        Assert.That(paths, Is.EquivalentTo(new[] { "issue.fields.assignee", "steps.search.issues", "item.key" }),
            "the loop variable is local to its loop only: after it, 'item' is a scope read again");
    }

    [Test]
    public void Quoted_indexes_are_names_and_computed_indexes_stay_open()
    {
        var references = TemplateReferences.Of(TemplateCompiler.Compile("""{{ steps["lookup"].body[0] }}""", TemplateLimits.Default).Template!);
        Assert.That(references, Has.Count.EqualTo(1));
        Assert.That(references[0].Root, Is.EqualTo("steps"));
        Assert.That(references[0].Segments, Is.EqualTo(new string?[] { "lookup", "body", null }));
        Assert.That((references[0].Line, references[0].Column), Is.EqualTo((1, 4)));
    }
}
