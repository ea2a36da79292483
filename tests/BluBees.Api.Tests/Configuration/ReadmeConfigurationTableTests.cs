using DataRange = System.ComponentModel.DataAnnotations.RangeAttribute;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BluBees.Api.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// README, "Configuration": the table is the operator's spec. Every setting an options class binds is in it, every key
/// in it is bound, and the defaults and ranges it states are the ones the options classes have.
/// </summary>
public sealed partial class ReadmeConfigurationTableTests
{
    /// <summary>Keys the app reads from configuration directly, not through an options class.</summary>
    private static readonly HashSet<string> ReadDirectly = ["Worker__Mode", "OpenApi__Enabled", "ASPNETCORE_URLS"];

    [Test]
    public void Every_bound_setting_is_in_the_readme_table()
    {
        var documented = ReadmeRows().SelectMany(row => row.Keys).ToHashSet(StringComparer.Ordinal);
        var missing = BoundSettings().Keys.Where(key => !documented.Contains(key)).Order(StringComparer.Ordinal).ToList();
        Assert.That(missing, Is.Empty, "bound by an options class but not in README's configuration table");
    }

    [Test]
    public void Every_key_in_the_readme_table_is_bound()
    {
        var bound = BoundSettings();
        var unbound = ReadmeRows().SelectMany(row => row.Keys)
            .Where(key => !bound.ContainsKey(key) && !ReadDirectly.Contains(key)).ToList();
        Assert.That(unbound, Is.Empty, "in README's configuration table but bound by no options class");
    }

    [Test]
    public void The_readme_defaults_and_ranges_are_the_code_s()
    {
        var bound = BoundSettings();
        var wrong = new List<string>();
        foreach (var row in ReadmeRows())
        {
            var defaults = row.DefaultCell.TrimStart().StartsWith('*') ? [] : Backticked(row.DefaultCell);
            for (var i = 0; i < row.Keys.Count; i++)
            {
                if (!bound.TryGetValue(row.Keys[i], out var property))
                {
                    continue;
                }

                var actual = Format(property.GetValue(Activator.CreateInstance(property.DeclaringType!)));
                // One key: its default is the cell's first value ("`false` (`true` in Development)"); several: one each.
                var stated = row.Keys.Count == 1 ? defaults.FirstOrDefault() : defaults.Count == row.Keys.Count ? defaults[i] : null;
                if (stated is not null && actual is not null && !SameDefault(stated, actual))
                {
                    wrong.Add($"{row.Keys[i]}: README default {stated}, code {actual}");
                }

                if (row.Keys.Count == 1 && Range(row.DefaultCell) is var (min, max) && property.GetCustomAttribute<DataRange>() is { } range)
                {
                    var code = (min is null ? null : Format(range.Minimum), Format(range.Maximum));
                    if (code != (min, max))
                    {
                        wrong.Add($"{row.Keys[i]}: README range {min}..{max}, code {Format(range.Minimum)}..{Format(range.Maximum)}");
                    }
                }
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    private sealed record Row(List<string> Keys, string DefaultCell);

    /// <summary>Environment-variable key (<c>Section__Property</c>) → the property an options class binds it to.</summary>
    internal static Dictionary<string, PropertyInfo> BoundSettings()
    {
        IServiceCollection? services = null;
        var app = BluBeesApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Forge:AppId"] = TestIssuer.AppId });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        }, collection => services = collection);
        ((IDisposable)app).Dispose();

        var settings = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var descriptor in services!)
        {
            // OptionsBuilder.Bind(section) registers this change-token source holding the bound section.
            if (descriptor.ServiceType.IsGenericType && descriptor.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>)
                && descriptor.ImplementationInstance is { } source
                && source.GetType().GetField("_config", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(source) is IConfigurationSection section
                && descriptor.ServiceType.GenericTypeArguments[0].Assembly.GetName().Name!.StartsWith("BluBees", StringComparison.Ordinal))
            {
                foreach (var property in descriptor.ServiceType.GenericTypeArguments[0].GetProperties(BindingFlags.Instance | BindingFlags.Public))
                {
                    if (property.SetMethod is { IsPublic: true })
                    {
                        settings.TryAdd(section.Path.Replace(":", "__", StringComparison.Ordinal) + "__" + property.Name, property);
                    }
                }
            }
        }

        Assert.That(settings, Has.Count.GreaterThan(50), "the options registrations were found");
        return settings;
    }

    private static List<Row> ReadmeRows()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf("\n## Configuration\n", StringComparison.Ordinal);
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var rows = new List<Row>();
        foreach (var line in readme[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = line.Split(" | ");
            var keys = new List<string>();
            foreach (var token in Backticked(cells[0]))
            {
                // "`ForgeModules__Events`, `__Lifecycle`": a bare "__Property" continues the previous key's section;
                // "`DevIssuer__AdminAccountIds__0`, `__1`": list indexes name the list itself.
                var key = token.StartsWith("__", StringComparison.Ordinal) ? keys[^1][..keys[^1].LastIndexOf("__", StringComparison.Ordinal)] + token : token;
                key = IndexSuffix().Replace(key, string.Empty);
                if (!keys.Contains(key))
                {
                    keys.Add(key);
                }
            }

            rows.Add(new Row(keys.Where(k => k.Contains("__", StringComparison.Ordinal) || ReadDirectly.Contains(k)).ToList(), cells[1]));
        }

        Assert.That(rows, Has.Count.GreaterThan(40), "README's configuration table was found");
        return rows;
    }

    private static List<string> Backticked(string cell) => [.. BacktickedToken().Matches(cell).Select(m => m.Groups[1].Value)];

    /// <summary>"(0–300)", "(1..1440)" → (min, max); "(max 30)" → (null, max).</summary>
    private static (string? Min, string Max)? Range(string cell)
    {
        if (RangeText().Match(cell) is { Success: true } both)
        {
            return (both.Groups[1].Value, both.Groups[2].Value);
        }

        return MaxText().Match(cell) is { Success: true } max ? (null, max.Groups[1].Value) : null;
    }

    private static bool SameDefault(string readme, string code)
        => readme == code || (Seconds().Match(readme) is { Success: true } s && TimeSpan.FromSeconds(int.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture)).ToString() == code);

    private static string? Format(object? value) => value switch
    {
        null or Array or System.Collections.IList => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BluBees.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("BluBees.sln not found above the test directory");
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex BacktickedToken();

    [GeneratedRegex(@"__\d+$")]
    private static partial Regex IndexSuffix();

    [GeneratedRegex(@"\((\d+)\s*(?:–|-|\.\.)\s*(\d+)\)")]
    private static partial Regex RangeText();

    [GeneratedRegex(@"\(max (\d+)\)")]
    private static partial Regex MaxText();

    [GeneratedRegex(@"^(\d+)s$")]
    private static partial Regex Seconds();
}
