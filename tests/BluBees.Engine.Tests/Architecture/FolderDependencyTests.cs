using System.Text.RegularExpressions;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Architecture;

/// <summary>
/// The engine's top-level folders (namespaces <c>BluBees.Engine.X</c>, sub-namespaces counted as their folder) form a
/// layering without cycles (docs/architecture.md, "Engine layers"). Read from the sources: a <c>using</c> of
/// another folder, a fully qualified <c>BluBees.Engine.X.</c> name, or a partly qualified <c>X.Type</c> (which C#
/// resolves through the enclosing <c>BluBees.Engine</c> namespace) is an edge. <c>Hosting</c> is the composition root:
/// it may use every folder and no folder may use it.
/// </summary>
public sealed class FolderDependencyTests
{
    private const string CompositionRoot = "Hosting";

    [Test]
    public void EngineFoldersHaveNoCycles()
    {
        var graph = FolderGraph.Read(EngineSources());
        var cycles = FolderGraph.Cycles(graph.Edges.Where(e => e.Key.From != CompositionRoot).ToDictionary());

        Assert.That(cycles, Is.Empty, () => "Engine folders import each other in a circle (move the type to the lower folder, or invert the "
            + "dependency with a small interface there):\n" + string.Join("\n", cycles.Select(graph.Describe)));
    }

    [Test]
    public void NoFolderUsesTheCompositionRoot()
    {
        var graph = FolderGraph.Read(EngineSources());
        var users = graph.Edges.Where(e => e.Key.To == CompositionRoot).Select(e => $"{e.Key.From} ({string.Join(", ", e.Value)})");

        Assert.That(users, Is.Empty);
    }

    [Test]
    public void EveryFileDeclaresTheNamespaceOfItsFolder()
    {
        var wrong = EngineSources()
            .Select(s => (s.Path, s.Folder, Namespace: FolderGraph.NamespaceFolder(s.Text)))
            .Where(s => s.Namespace != s.Folder)
            .Select(s => $"{s.Path}: namespace folder '{s.Namespace}', file folder '{s.Folder}'");

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void FindsACycleThroughUsingsAndQualifiedNames()
    {
        // The detector itself, on sources that import each other three ways: a using, a fully qualified name and
        // a partly qualified one (Runs.X from inside BluBees.Engine.Steps). A graph without the back edge has none.
        var sources = new[]
        {
            new EngineSource("Steps/A.cs", "Steps", "using BluBees.Engine.Execution;\nnamespace BluBees.Engine.Steps;\npublic sealed class A { Runs.Worker? W; }"),
            new EngineSource("Runs/Worker.cs", "Runs", "namespace BluBees.Engine.Runs;\npublic sealed class Worker { BluBees.Engine.Steps.A? A; }"),
            new EngineSource("Execution/K.cs", "Execution", "namespace BluBees.Engine.Execution;\n// Runs.Worker in a comment is no edge\npublic sealed class K { string S = \"Steps.A\"; }"),
        };

        var graph = FolderGraph.Read(sources);
        var cycles = FolderGraph.Cycles(graph.Edges);

        Assert.That(cycles, Has.Count.EqualTo(1));
        Assert.That(cycles[0], Is.EquivalentTo(new[] { "Runs", "Steps" }));
        Assert.That(graph.Edges.Keys, Has.No.Member(("Execution", "Runs")).And.No.Member(("Execution", "Steps")));
        Assert.That(FolderGraph.Cycles(FolderGraph.Read(sources.Skip(1)).Edges), Is.Empty);
    }

    private static List<EngineSource> EngineSources()
    {
        var root = EngineRoot();
        var sources = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .Where(p => p.Contains('/', StringComparison.Ordinal) && !p.StartsWith("bin/", StringComparison.Ordinal) && !p.StartsWith("obj/", StringComparison.Ordinal))
            .Select(p => new EngineSource(p, p[..p.IndexOf('/', StringComparison.Ordinal)], File.ReadAllText(Path.Combine(root, p))))
            .ToList();
        Assert.That(sources, Has.Count.GreaterThan(100), "the engine's sources were not found");
        return sources;
    }

    private static string EngineRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "BluBees.Engine");
            if (File.Exists(Path.Combine(candidate, "BluBees.Engine.csproj")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("src/BluBees.Engine not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record EngineSource(string Path, string Folder, string Text);

internal sealed partial class FolderGraph
{
    private FolderGraph(Dictionary<(string From, string To), SortedSet<string>> edges) => Edges = edges;

    /// <summary>Each edge between two folders, with the files that make it.</summary>
    public Dictionary<(string From, string To), SortedSet<string>> Edges { get; }

    public static FolderGraph Read(IEnumerable<EngineSource> sources)
    {
        var list = sources.ToList();
        var folders = list.Select(s => s.Folder).ToHashSet(StringComparer.Ordinal);

        // Partly qualified names (Runs.StepRecord inside BluBees.Engine.Steps) count when the second part is a type or
        // sub-namespace of that folder, so that a property such as record.Steps.Count is not mistaken for one.
        var members = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var source in list)
        {
            var code = Code(source.Text);
            foreach (Match m in TypeDeclaration().Matches(code))
            {
                members[source.Folder].Add(m.Groups["name"].Value);
            }

            foreach (Match m in NamespaceDeclaration().Matches(code))
            {
                var parts = m.Groups["ns"].Value.Split('.');
                if (parts.Length > 1 && members.TryGetValue(parts[0], out var set))
                {
                    set.Add(parts[1]);
                }
            }
        }

        var edges = new Dictionary<(string, string), SortedSet<string>>();
        foreach (var source in list)
        {
            var code = Code(source.Text);
            var targets = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match m in QualifiedName().Matches(code))
            {
                targets.Add(m.Groups["folder"].Value);
            }

            foreach (Match m in PartlyQualifiedName().Matches(code))
            {
                if (members.TryGetValue(m.Groups["folder"].Value, out var set) && set.Contains(m.Groups["member"].Value))
                {
                    targets.Add(m.Groups["folder"].Value);
                }
            }

            foreach (var target in targets.Where(t => t != source.Folder && folders.Contains(t)))
            {
                if (!edges.TryGetValue((source.Folder, target), out var files))
                {
                    edges[(source.Folder, target)] = files = new SortedSet<string>(StringComparer.Ordinal);
                }

                files.Add(source.Path);
            }
        }

        return new FolderGraph(edges);
    }

    /// <summary>The folder of the file's namespace declaration (<c>BluBees.Engine.X[.Sub]</c> → X), or null.</summary>
    public static string? NamespaceFolder(string text)
        => NamespaceDeclaration().Match(Code(text)) is { Success: true } m ? m.Groups["ns"].Value.Split('.')[0] : null;

    /// <summary>The strongly connected components of more than one folder: each is a set of folders that reach each other.</summary>
    public static List<List<string>> Cycles<TFiles>(IReadOnlyDictionary<(string From, string To), TFiles> edges)
    {
        var next = edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());
        var nodes = edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<List<string>>();

        foreach (var node in nodes.Where(n => !index.ContainsKey(n)))
        {
            Visit(node);
        }

        return result;

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (var to in next.GetValueOrDefault(node) ?? [])
            {
                if (index.TryGetValue(to, out var seen))
                {
                    if (onStack.Contains(to))
                    {
                        low[node] = Math.Min(low[node], seen);
                    }
                }
                else
                {
                    Visit(to);
                    low[node] = Math.Min(low[node], low[to]);
                }
            }

            if (low[node] != index[node])
            {
                return;
            }

            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != node);

            if (component.Count > 1)
            {
                result.Add([.. component.Order(StringComparer.Ordinal)]);
            }
        }
    }

    /// <summary>A cycle's folders and every edge between them, with the files that make the edge.</summary>
    public string Describe(List<string> cycle)
        => "{" + string.Join(", ", cycle) + "}: " + string.Join("; ", Edges
            .Where(e => cycle.Contains(e.Key.From) && cycle.Contains(e.Key.To))
            .OrderBy(e => e.Key.From, StringComparer.Ordinal).ThenBy(e => e.Key.To, StringComparer.Ordinal)
            .Select(e => $"{e.Key.From} -> {e.Key.To} ({string.Join(", ", e.Value.Take(3))}{(e.Value.Count > 3 ? ", …" : "")})"));

    /// <summary>The text without comments and string contents (a name in prose or in a message is no dependency).</summary>
    private static string Code(string text) => CommentOrString().Replace(text, m => m.Value.StartsWith('"') ? "\"\"" : " ");

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""(?:[^""\\\n]|\\.)*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();

    [GeneratedRegex(@"(?<![\w.])(?:global::)?BluBees\.Engine\.(?<folder>\w+)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])(?<folder>[A-Z]\w*)\s*\.\s*(?<member>[A-Z]\w*)")]
    private static partial Regex PartlyQualifiedName();

    [GeneratedRegex(@"^\s*namespace\s+BluBees\.Engine\.(?<ns>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record|delegate\s+[\w<>\[\]?,. ]+?)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();
}
