using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BluBees.Engine.Connections;
using BluBees.Engine.Connections.Resilience;
using BluBees.Engine.Validation;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Connections;

/// <summary>
/// docs/api.md, "Resilience settings": each field of the table is a <see cref="ConnectionResilience"/> property whose
/// stated range is the one validation accepts (both ends in, one step beyond each refused, naming the field) and whose
/// stated default is what an unset field resolves to.
/// </summary>
public sealed partial class ResilienceDocsTableTests
{
    [Test]
    public void The_documented_ranges_and_defaults_are_the_codes()
    {
        var rows = Rows();
        Assert.That(rows.Select(r => r.Field), Is.EquivalentTo(typeof(ConnectionResilience).GetProperties().Select(p => Camel(p.Name))),
            "every resilience field is in the table, and only those");

        var wrong = new List<string>();
        foreach (var (field, min, max, stated) in rows)
        {
            var property = typeof(ConnectionResilience).GetProperty(char.ToUpperInvariant(field[0]) + field[1..])!;
            var step = property.PropertyType == typeof(double?) ? 0.01 : 1;
            foreach (var (value, accepted) in new[] { (min, true), (max, true), (min - step, false), (max + step, false) })
            {
                var errors = Validate(property, value);
                if (errors.Has("resilience." + field) == accepted)
                {
                    wrong.Add($"{field} = {value}: {(accepted ? "refused" : "accepted")}");
                }
            }

            if (With(property, stated).Resolve() != ResiliencePolicy.Default)
            {
                wrong.Add($"{field}: the default is not {stated}");
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    private static ValidationErrors Validate(PropertyInfo property, double value)
    {
        var errors = new ValidationErrors();
        With(property, value).Validate(errors);
        return errors;
    }

    private static ConnectionResilience With(PropertyInfo property, double value)
    {
        var resilience = new ConnectionResilience();
        property.SetValue(resilience, property.PropertyType == typeof(double?) ? value : (object)checked((int)value));
        return resilience;
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static List<(string Field, double Min, double Max, double Default)> Rows()
    {
        var api = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "api.md")).ReplaceLineEndings("\n");
        var start = api.IndexOf("\n### Resilience settings\n", StringComparison.Ordinal);
        var end = api.IndexOf("\n### ", start + 1, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThan(0), "the section was found");
        var rows = Row().Matches(api[start..end])
            .Select(m => (m.Groups["field"].Value, Number(m.Groups["min"].Value), Number(m.Groups["max"].Value), Number(m.Groups["default"].Value)))
            .ToList();
        Assert.That(rows, Has.Count.GreaterThan(10), "the table's rows were found");
        return rows;
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BluBees.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("BluBees.sln not found above the test directory.");
    }

    /// <summary>"| `timeoutSeconds` | 1–300 | 60 | …".</summary>
    [GeneratedRegex(@"^\| `(?<field>[a-zA-Z]+)` \| (?<min>[\d.]+)–(?<max>[\d.]+) \| (?<default>[\d.]+) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
