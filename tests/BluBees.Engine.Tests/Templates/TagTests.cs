using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class TagTests
{
    [TestCase("{% if issue.fields.storyPoints > 3 %}big{% elsif issue.fields.storyPoints > 1 %}mid{% else %}small{% endif %}", "big")]
    [TestCase("{% if issue.fields.storyPoints > 8 %}big{% elsif issue.fields.storyPoints >= 5 %}mid{% else %}small{% endif %}", "mid")]
    [TestCase("{% if issue.fields.storyPoints < 1 %}big{% elsif issue.fields.storyPoints <= 1 %}mid{% else %}small{% endif %}", "small")]
    [TestCase("{% if issue.key == 'PRJ-12' %}y{% endif %}", "y")]
    [TestCase("{% if issue.key != 'PRJ-12' %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if issue.key <> 'X' %}y{% endif %}", "y")]
    [TestCase("{% if issue.fields.summary contains 'fail' %}y{% endif %}", "y")]
    [TestCase("{% if issue.fields.labels contains 'auth' %}y{% endif %}", "y")]
    [TestCase("{% if issue.fields.labels contains 'db' %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if issue.fields.priority contains 'name' %}y{% endif %}", "y")]
    [TestCase("{% if issue.fields.estimate == 2.5 and issue.fields.storyPoints == 5.0 %}y{% endif %}", "y")]
    [TestCase("{% if '5' == 5 %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if 'abc' < 'abd' %}y{% endif %}", "y")]
    [TestCase("{% if 'abc' < 5 %}y{% else %}n{% endif %}", "n")]
    public void IfComparisons(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% if '' %}y{% else %}n{% endif %}", "y")]
    [TestCase("{% if 0 %}y{% else %}n{% endif %}", "y")]
    [TestCase("{% if nil %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if issue.fields.done %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if issue.fields.missing %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if issue.fields.labels %}y{% else %}n{% endif %}", "y")]
    public void OnlyFalseAndNilAreFalsy(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% if true or false and false %}y{% else %}n{% endif %}", "y")]
    [TestCase("{% if false and false or true %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% if true and true and true or false %}y{% else %}n{% endif %}", "y")]
    public void AndOrGroupFromTheRight(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% if x == empty %}y{% else %}n{% endif %}", "n")]
    [TestCase("{% assign x = '' %}{% if x == empty %}y{% endif %}", "y")]
    [TestCase("{% assign x = '' | split: ',' %}{% if x == empty %}y{% endif %}", "y")]
    [TestCase("{% if issue.fields.assignee == blank %}y{% endif %}", "y")]
    [TestCase("{% assign x = '  ' %}{% if x == blank %}y{% endif %}", "y")]
    [TestCase("{% if issue.fields.labels != empty %}y{% endif %}", "y")]
    public void EmptyAndBlank(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% unless issue.fields.done %}open{% else %}closed{% endunless %}", "open")]
    [TestCase("{% unless issue.fields.storyPoints == 5 %}a{% elsif true %}b{% endunless %}", "b")]
    public void Unless(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% case issue.fields.priority.name %}{% when 'Low' %}L{% when 'High', 'Highest' %}H{% else %}?{% endcase %}", "H")]
    [TestCase("{% case issue.fields.storyPoints %}{% when 1 or 5 %}fib{% else %}other{% endcase %}", "fib")]
    [TestCase("{% case 'none' %}{% when 'a' %}A{% else %}E{% endcase %}", "E")]
    [TestCase("{% case 1 %}ignored{% when 1 %}a{% when 1 %}b{% else %}c{% endcase %}", "ab")]
    public void Case(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% for l in issue.fields.labels %}{{ forloop.index }}:{{ l }}{% unless forloop.last %},{% endunless %}{% endfor %}", "1:ui,2:auth,3:ui")]
    [TestCase("{% for l in issue.fields.labels %}{{ forloop.index0 }}{{ forloop.rindex }}{{ forloop.rindex0 }}{{ forloop.length }}{% if forloop.first %}F{% endif %} {% endfor %}", "0323F 1213 2103 ")]
    [TestCase("{% for i in (1..10) limit: 3 offset: 2 %}{{ i }}{% endfor %}", "345")]
    [TestCase("{% for i in (1..5) reversed %}{{ i }}{% endfor %}", "54321")]
    [TestCase("{% for i in (1..10) reversed limit: 3, offset: 2 %}{{ i }}{% endfor %}", "543")]
    [TestCase("{% for i in (1..3) offset: 5 %}{{ i }}{% else %}none{% endfor %}", "none")]
    [TestCase("{% for x in issue.fields.missing %}x{% else %}none{% endfor %}", "none")]
    [TestCase("{% for i in (1..10) %}{% if i == 4 %}{% break %}{% endif %}{% if i == 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}", "13")]
    [TestCase("{% for p in issue.fields.priority %}{{ p[0] }}={{ p[1] }}{% endfor %}", "name=High")]
    [TestCase("{% for a in (1..2) %}{% for b in (1..2) %}{{ forloop.parentloop.index }}{{ b }} {% endfor %}{% endfor %}", "11 12 21 22 ")]
    [TestCase("{% assign n = 3 %}{% for i in (1..n) %}{{ i }}{% endfor %}", "123")]
    [TestCase("{% for c in issue.fields.components %}{{ c.name }}{% endfor %}", "webapi")]
    [TestCase("{% for s in 'one' %}[{{ s }}]{% endfor %}", "[one]")]
    [TestCase("{% for i in (3..1) %}x{% else %}empty{% endfor %}", "empty")]
    public void For(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{% assign n = issue.fields.summary | upcase %}{{ n }}", "LOGIN FAILS")]
    [TestCase("{% for i in (1..3) %}{% assign last = i %}{% endfor %}{{ last }}", "3")]
    [TestCase("{% assign total = 0 %}{% for i in (1..4) %}{% assign total = total | plus: i %}{% endfor %}{{ total }}", "10")]
    [TestCase("{% capture greeting %}Hi {{ user.displayName }}{% endcapture %}{{ greeting | append: '!' }}", "Hi Ann Lee!")]
    [TestCase("{% capture 'quoted' %}q{% endcapture %}{{ quoted }}", "q")]
    [TestCase("{% echo issue.key | downcase %}", "prj-12")]
    [TestCase("{% raw %}{{ not rendered }}{% if %}{% endraw %}", "{{ not rendered }}{% if %}")]
    [TestCase("a{% comment %}{{ x }} {% if %}{% endcomment %}b", "ab")]
    [TestCase("a{% comment %}x{% comment %}y{% endcomment %}z{% endcomment %}b", "ab")]
    [TestCase("a{% # an inline note with 'quotes %}b", "ab")]
    [TestCase("{% for i in (1..3) %}{% capture c %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endcapture %}{{ c }}{% endfor %}", "1")]
    public void AssignCaptureRawComment(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [Test]
    public void AssignShadowsTheScopeWithoutMutatingIt()
    {
        var scope = Scope();
        var before = scope.ToJsonString();

        var output = Render("{% assign issue = 'replaced' %}{% capture user %}x{% endcapture %}{{ issue }}{{ user }}", scope);

        Assert.That(output, Is.EqualTo("replacedx"));
        Assert.That(scope.ToJsonString(), Is.EqualTo(before));
    }

    [Test]
    public void ScopeNodesAreNotReparentedOrChangedByFilters()
    {
        var scope = Scope();
        var before = scope.ToJsonString();

        Render("{% assign c = issue.fields.components | sort: 'name' | reverse | concat: issue.fields.labels %}{{ c | json }}{{ issue.fields | json }}", scope);

        Assert.That(scope.ToJsonString(), Is.EqualTo(before));
    }
}
