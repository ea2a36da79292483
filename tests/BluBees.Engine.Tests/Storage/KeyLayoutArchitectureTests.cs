using System.Text.RegularExpressions;
using NUnit.Framework;

namespace BluBees.Engine.Tests.Storage;

/// <summary>
/// Tenant scoping is a seam, not a convention: outside the storage folder no source file builds a tenant's
/// partition key (<c>Keys.Tenant(</c>), so every tenant read and write goes through <c>IStore.ForTenant</c>; and no
/// file but <c>Keys.cs</c> spells a key prefix (<c>"CONN#"</c>, <c>$"RULE#{id}"</c>), so the key layout has one home.
/// The storage folder is found by the file that declares <c>IStore</c>, so moving folders does not blind the test.
/// </summary>
public sealed partial class KeyLayoutArchitectureTests
{
    [Test]
    public void NoSourceFileOutsideStorageBuildsAPartitionKeyOrSpellsAKeyPrefix()
    {
        var root = RepositoryRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path: Path.GetRelativePath(root, f).Replace('\\', '/'), Text: File.ReadAllText(f)))
            .ToList();
        Assert.That(files, Has.Count.GreaterThan(100), "the scan must see the sources");

        Assert.That(Violations(files), Is.Empty);
    }

    [Test]
    public void TheScanCatchesAPartitionKeyOrAKeyPrefixOutsideStorage()
    {
        (string, string)[] files =
        [
            ("src/BluBees.Engine/Storage/IStore.cs", "public interface IStore"),
            ("src/BluBees.Engine/Storage/Keys.cs", "public const string RulePrefix = \"RULE#\";"),
            ("src/BluBees.Engine/Storage/TenantStore.cs", "Partition = Keys.Tenant(tenant.Value);"),
            ("src/BluBees.Engine/Runs/Sneaky.cs", "store.GetAsync(Keys.Tenant(tenantId), sk, ct);"),
            ("src/BluBees.Api/Other.cs", "var sk = $\"LASTRUN#{ruleId}\";"),
            ("src/BluBees.Engine/Storage/Elsewhere.cs", "const string Prefix = \"SCHED#\";"),
        ];

        Assert.That(Violations(files), Is.EqualTo(new[]
        {
            "src/BluBees.Engine/Runs/Sneaky.cs:1 builds a tenant partition key (use IStore.ForTenant)",
            "src/BluBees.Api/Other.cs:1 spells a key prefix (build it in Keys.cs): \"LASTRUN#",
            "src/BluBees.Engine/Storage/Elsewhere.cs:1 spells a key prefix (build it in Keys.cs): \"SCHED#",
        }));
    }

    private static List<string> Violations(IReadOnlyCollection<(string Path, string Text)> files)
    {
        var storeFile = files.Single(f => f.Text.Contains("public interface IStore", StringComparison.Ordinal)).Path;
        var storage = storeFile[..(storeFile.LastIndexOf('/') + 1)];
        var violations = new List<string>();
        foreach (var (path, text) in files)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (!path.StartsWith(storage, StringComparison.Ordinal) && lines[i].Contains("Keys.Tenant(", StringComparison.Ordinal))
                {
                    violations.Add($"{path}:{i + 1} builds a tenant partition key (use IStore.ForTenant)");
                }

                if (path != storage + "Keys.cs" && KeyPrefix().Match(lines[i]) is { Success: true } literal)
                {
                    violations.Add($"{path}:{i + 1} spells a key prefix (build it in Keys.cs): {literal.Value}");
                }
            }
        }

        return violations;
    }

    // A string literal (plain, interpolated or verbatim) that starts like a key: capitals, then '#'.
    [GeneratedRegex("\"[A-Z][A-Z0-9_]*#")]
    private static partial Regex KeyPrefix();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BluBees.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("BluBees.sln not found above the test directory.");
    }
}
