using System.Reflection;
using System.Text.RegularExpressions;
using BluBees.Engine.Execution;

namespace BluBees.Api.Tests.Contract;

/// <summary>
/// docs/api.md, "Error categories": the catalogue (generated from the Forge app's <c>errors.ts</c>, which its own test
/// keeps equal to the doc) names exactly the categories the engine can record, so a new category cannot reach a run
/// record without an explanation in the UI and the docs.
/// </summary>
public sealed partial class ErrorCategoryCatalogueTests
{
    [Test]
    public void The_documented_catalogue_is_the_engines_set_of_categories()
    {
        var code = typeof(ErrorCategories).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToList();

        var api = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "api.md")).ReplaceLineEndings("\n");
        var start = api.IndexOf("<!-- error-categories:begin", StringComparison.Ordinal);
        var end = api.IndexOf("<!-- error-categories:end -->", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThan(0).And.LessThan(end), "the generated catalogue is in docs/api.md");
        var documented = Row().Matches(api[start..end]).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();

        Assert.That(code, Has.Count.GreaterThan(30), "the categories were found");
        Assert.That(documented, Is.EqualTo(code),
            "add the category to forge-app/ui/src/lib/errors.ts and run `node scripts/error-categories-doc.mjs`");
    }

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BluBees.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("BluBees.sln not found above the test directory");
    }

    [GeneratedRegex(@"^\| `([a-z0-9_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
