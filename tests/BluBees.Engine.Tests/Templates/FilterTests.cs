using BluBees.Engine.Templates;
using NUnit.Framework;
using static BluBees.Engine.Tests.Templates.TemplateTestKit;

namespace BluBees.Engine.Tests.Templates;

public sealed class FilterTests
{
    [TestCase("{{ 'Hello' | upcase }}", "HELLO")]
    [TestCase("{{ 'Hello' | downcase }}", "hello")]
    [TestCase("{{ 'my GREAT title' | capitalize }}", "My great title")]
    [TestCase("[{{ '  hi  ' | strip }}]", "[hi]")]
    [TestCase("[{{ '  hi  ' | lstrip }}]", "[hi  ]")]
    [TestCase("[{{ '  hi  ' | rstrip }}]", "[  hi]")]
    [TestCase("{{ issue.key | append: '-x' }}", "PRJ-12-x")]
    [TestCase("{{ issue.key | prepend: 'key:' }}", "key:PRJ-12")]
    [TestCase("{{ 'a-b-c' | replace: '-', '+' }}", "a+b+c")]
    [TestCase("{{ 'a-b-c' | replace: '-' }}", "abc")]
    [TestCase("{{ 'ab' | replace: '', '.' }}", ".a.b.")]
    [TestCase("{{ 'a-b-c' | replace_first: '-', '+' }}", "a+b-c")]
    [TestCase("{{ 'a-b-c' | remove: '-' }}", "abc")]
    [TestCase("{{ 'a-b-c' | remove_first: '-' }}", "ab-c")]
    [TestCase("{{ 'Ground control to Major Tom.' | truncate: 20 }}", "Ground control to...")]
    [TestCase("{{ 'Ground control to Major Tom.' | truncate: 25, ', and so on' }}", "Ground control, and so on")]
    [TestCase("{{ 'Ground control' | truncate: 100 }}", "Ground control")]
    [TestCase("{{ 'abcdef' | truncate: 2 }}", "...")]
    [TestCase("{{ 'a,b,,c,,' | split: ',' | join: '|' }}", "a|b||c")]
    [TestCase("{{ ' a  b c ' | split: ' ' | size }}", "3")]
    [TestCase("{{ 'héllo' | split: '' | join: '.' }}", "h.é.l.l.o")]
    [TestCase("{{ '' | split: ',' | size }}", "0")]
    public void StringFilters(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ 4 | plus: 2 }}", "6")]
    [TestCase("{{ 4 | plus: 2.5 }}", "6.5")]
    [TestCase("{{ '3' | plus: 2 }}", "5")]
    [TestCase("{{ nothing | plus: 2 }}", "2")]
    [TestCase("{{ 24 | minus: 30 }}", "-6")]
    [TestCase("{{ 3 | times: 1.5 }}", "4.5")]
    [TestCase("{{ 2 | times: 2.0 }}", "4.0")]
    [TestCase("{{ 16 | divided_by: 4 }}", "4")]
    [TestCase("{{ 5 | divided_by: 3 }}", "1")]
    [TestCase("{{ -7 | divided_by: 2 }}", "-4")]
    [TestCase("{{ 20 | divided_by: 7.0 }}", "2.857142857142857")]
    [TestCase("{{ 3 | modulo: 2 }}", "1")]
    [TestCase("{{ -7 | modulo: 3 }}", "2")]
    [TestCase("{{ 5.5 | modulo: 2 }}", "1.5")]
    [TestCase("{{ -17 | abs }}", "17")]
    [TestCase("{{ '-1.5' | abs }}", "1.5")]
    [TestCase("{{ 4 | at_least: 5 }}", "5")]
    [TestCase("{{ 4 | at_most: 3 }}", "3")]
    [TestCase("{{ 1.2 | ceil }}", "2")]
    [TestCase("{{ 1.8 | floor }}", "1")]
    [TestCase("{{ 2.5 | round }}", "3")]
    [TestCase("{{ 3.14159 | round: 2 }}", "3.14")]
    [TestCase("{{ issue.fields.estimate | times: issue.fields.storyPoints }}", "12.5")]
    public void MathFilters(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ issue.fields.labels | size }}", "3")]
    [TestCase("{{ 'abc' | size }}", "3")]
    [TestCase("{{ issue.fields.priority | size }}", "1")]
    [TestCase("{{ issue.fields.labels | first }}/{{ issue.fields.labels | last }}", "ui/ui")]
    [TestCase("{{ issue.fields.labels | join }}", "ui auth ui")]
    [TestCase("{{ issue.fields.labels | join: ', ' }}", "ui, auth, ui")]
    [TestCase("{{ 'c,a,B' | split: ',' | sort | join }}", "B a c")]
    [TestCase("{{ 'c,a,B' | split: ',' | sort_natural | join }}", "a B c")]
    [TestCase("{{ issue.fields.nums | sort | join: ',' }}", "1,2,3,")]
    [TestCase("{{ issue.fields.components | sort: 'name' | map: 'name' | join }}", "api web")]
    [TestCase("{{ issue.fields.labels | uniq | join }}", "ui auth")]
    [TestCase("{{ 'a,b,c' | split: ',' | reverse | join }}", "c b a")]
    [TestCase("{{ issue.fields.nums | compact | join: ',' }}", "3,1,2")]
    [TestCase("{{ issue.fields.components | compact: 'lead' | map: 'name' | join }}", "web")]
    [TestCase("{{ issue.fields.components | map: 'name' | join: ',' }}", "web,api")]
    [TestCase("{{ issue.fields.components | where: 'lead' | map: 'name' | join }}", "web")]
    [TestCase("{{ issue.fields.components | where: 'name', 'api' | map: 'name' | join }}", "api")]
    [TestCase("{{ 'a,b' | split: ',' | concat: issue.fields.labels | join: ',' }}", "a,b,ui,auth,ui")]
    [TestCase("{{ 'Liquid' | slice: 0 }}", "L")]
    [TestCase("{{ 'Liquid' | slice: 2, 5 }}", "quid")]
    [TestCase("{{ 'Liquid' | slice: -3, 2 }}", "ui")]
    [TestCase("{{ 'Liquid' | slice: 99 }}", "")]
    [TestCase("{{ issue.fields.labels | slice: 1, 2 | join: ',' }}", "auth,ui")]
    [TestCase("{{ (1..5) | map: 'size' | size }}", "5")]
    public void ArrayFilters(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ issue.fields.summary | json }}", "\"Login fails\"")]
    [TestCase("{{ issue.fields.text | json }}", "\"say \\\"hi\\\"\\n<b>\"")]
    [TestCase("{{ issue.fields.priority | json }}", "{\"name\":\"High\"}")]
    [TestCase("{{ issue.fields.nums | json }}", "[3,1,null,2]")]
    [TestCase("{{ issue.fields.estimate | json }}", "2.5")]
    [TestCase("{{ missing | json }}", "null")]
    [TestCase("{{ issue.fields.labels | uniq | json }}", "[\"ui\",\"auth\"]")]
    [TestCase("{{ 'a b&c/é' | url_encode }}", "a%20b%26c%2F%C3%A9")]
    [TestCase("{{ 'a%20b+c%2F' | url_decode }}", "a b c/")]
    [TestCase("{{ issue.fields.text | escape }}", "say &quot;hi&quot;\n&lt;b&gt;")]
    [TestCase("{{ \"it's & <ok>\" | escape }}", "it&#39;s &amp; &lt;ok&gt;")]
    [TestCase("{{ 'hello é' | base64_encode }}", "aGVsbG8gw6k=")]
    [TestCase("{{ 'aGVsbG8gw6k=' | base64_decode }}", "hello é")]
    public void EncodingFilters(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ issue.fields.created | date: '%Y-%m-%d %H:%M:%S %z' }}", "2024-01-15 10:30:00 +0000")]
    [TestCase("{{ 0 | date: '%Y-%m-%dT%H:%M:%S%z' }}", "1970-01-01T00:00:00+0000")]
    [TestCase("{{ '1700000000' | date: '%F' }}", "2023-11-14")]
    [TestCase("{{ '2024-03-05T08:09:10+02:00' | date: '%d/%m/%y %-d %j %b %A %T %z %L %%' }}", "05/03/24 5 065 Mar Tuesday 08:09:10 +0200 000 %")]
    [TestCase("{{ '2024-03-05' | date: '%B %e, %Y %I%p' }}", "March  5, 2024 12AM")]
    [TestCase("{{ 'not a date' | date: '%Y' }}", "not a date")]
    // The edges of what a date can be (0001-01-01, 9999-12-31), and one second past each: left as they came, as
    // any value that is not a date (one second before year 1 was once an internal error of the renderer).
    [TestCase("{{ -62135596800 | date: '%Y-%m-%d' }}", "0001-01-01")]
    [TestCase("{{ -62135596801 | date: '%Y' }}", "-62135596801")]
    [TestCase("{{ 253402300799 | date: '%Y' }}", "9999")]
    [TestCase("{{ 253402300800 | date: '%Y' }}", "253402300800")]
    [TestCase("{{ -62135596800.5 | date: '%Y' }}", "-62135596800.5")]
    [TestCase("{{ issue.fields.created | date: '%q' }}", "%q")]
    public void Date(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ '1e308,1e308' | split: ',' | sum }}", "filter 'sum': the result is not a finite number")]
    [TestCase("{{ '-1e308,-1e308' | split: ',' | sum }}", "filter 'sum': the result is not a finite number")]
    public void A_sum_past_the_largest_number_is_a_template_error(string source, string message)
    {
        var result = RenderResult(source);

        Assert.That(result.ErrorKind, Is.EqualTo(TemplateErrorKind.Runtime));
        Assert.That(result.Error!.Message, Does.Contain(message));
    }

    [Test]
    public void An_average_of_huge_numbers_is_their_mean_not_an_overflow()
        => Assert.That(double.Parse(Render("{{ '1e308,1,1e308' | split: ',' | average }}"), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(1e308 / 3 * 2).Within(1e294));

    [Test]
    public void DateRefusesNowBecauseTemplatesAreDeterministic()
    {
        var result = RenderResult("{{ 'now' | date: '%Y' }}");

        Assert.That(result.ErrorKind, Is.EqualTo(TemplateErrorKind.Runtime));
        Assert.That(result.Error!.Message, Does.Contain("'now' is not supported"));
    }

    [TestCase("{{ issue.fields.assignee | default: 'unassigned' }}", "unassigned")]
    [TestCase("{{ '' | default: 'x' }}", "x")]
    [TestCase("{{ issue.fields.done | default: 'x' }}", "x")]
    [TestCase("{{ issue.fields.done | default: 'x', allow_false: true }}", "false")]
    [TestCase("{{ 0 | default: 'x' }}", "0")]
    [TestCase("{{ issue.fields.missing | default: issue.key }}", "PRJ-12")]
    public void Default(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [TestCase("{{ 5 | divided_by: 0 }}", "divided by 0", "divided_by")]
    [TestCase("{{ 5.0 | modulo: 0 }}", "divided by 0", "modulo")]
    [TestCase("{{ 'abc' | truncate: 'x' }}", "filter 'truncate': argument 1 must be a number", "truncate")]
    [TestCase("{{ 'a' | concat: 'b' }}", "filter 'concat': the argument must be an array", "concat")]
    [TestCase("{{ 'not base64!' | base64_decode }}", "filter 'base64_decode': the input is not valid base64", "base64_decode")]
    [TestCase("{% for i in (1..3) limit: 'many' %}{% endfor %}", "for loop limit and offset must be numbers", "'many'")]
    public void RuntimeErrorsAreValuesWithAPosition(string source, string message, string at)
    {
        var result = RenderResult("x\n  " + source);

        Assert.That(result.Success, Is.False);
        Assert.That(result.Output, Is.Null);
        Assert.That(result.ErrorKind, Is.EqualTo(TemplateErrorKind.Runtime));
        Assert.That(result.Error!.Message, Is.EqualTo(message));
        Assert.That(result.Error.Line, Is.EqualTo(2));
        Assert.That(result.Error.Column, Is.EqualTo(3 + source.IndexOf(at, StringComparison.Ordinal)));
    }
}
