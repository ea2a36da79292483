using System.Reflection;
using System.Text.RegularExpressions;

namespace BluBees.Aws.Tests.Support;

/// <summary>
/// Reads settings from the repository's template.yaml, so that the fakes here (the Web Adapter, the readiness
/// probe) behave as the deployed configuration makes the real ones behave — not as a test constant says.
/// (tests/BluBees.Infra.Tests parses the whole template; a line scan is enough for a few literal values.)
/// </summary>
public static partial class DeployedTemplate
{
    private static readonly Lazy<string> Text = new(() => File.ReadAllText(Path.Combine(RepositoryRoot(), "template.yaml")));

    /// <summary>A literal environment value of a function (its own <c>Environment.Variables</c>, then <c>Globals</c>), or null.</summary>
    public static string? FunctionEnvironment(string functionResource, string name)
        => Literal(Section("  " + functionResource + ":"), name) ?? Literal(Section("Globals:"), name);

    /// <summary>A literal property of a template parameter (e.g. its <c>MaxValue</c>), or null.</summary>
    public static string? Parameter(string parameter, string property)
        => Literal(Section("  " + parameter + ":"), property);

    private static string Section(string header)
    {
        var text = Text.Value;
        var start = text.IndexOf("\n" + header + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"template.yaml has no section '{header.Trim()}'.");
        }

        // The section ends at the next line indented as little as its header (a sibling resource or top-level key).
        var indent = header.Length - header.TrimStart().Length;
        var sibling = new Regex("\n" + new string(' ', indent) + "[A-Za-z][A-Za-z0-9]*:\\s*\n");
        var next = sibling.Match(text, start + header.Length + 1);
        return next.Success ? text[start..next.Index] : text[start..];
    }

    private static string? Literal(string section, string name)
    {
        var match = Regex.Match(section, "\n\\s+" + Regex.Escape(name) + ":\\s*\"?([^\"\n#]*?)\"?\\s*(#.*)?\n");
        return match.Success ? match.Groups[1].Value.Trim() : null;
    }

    private static string RepositoryRoot()
        => typeof(DeployedTemplate).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
}
