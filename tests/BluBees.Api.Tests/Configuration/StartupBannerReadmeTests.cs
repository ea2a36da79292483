using BluBees.Api.Infrastructure;

namespace BluBees.Api.Tests.Configuration;

/// <summary>
/// README, "The two commands": on start the backend "prints where its data lives and how to send a first event". The
/// commands it prints are README's "Send a first event" commands, in the same order, each pointed at the backend's URL.
/// Before, it left out the sink that <c>samples/connection.json</c> sends to, so following it ended in a failed run
/// (<c>refused</c>).
/// </summary>
public sealed class StartupBannerReadmeTests
{
    private const string Url = "http://127.0.0.1:5080";

    [Test]
    public void The_banner_prints_the_readme_first_event_commands_in_order()
    {
        var banner = StartupBanner.DevelopmentText(Url, "/data/dir");
        var printed = banner.ReplaceLineEndings("\n").Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("dotnet run --project src/BluBees.Cli", StringComparison.Ordinal))
            .Select(line => Command(line.Replace($" --url {Url}", string.Empty, StringComparison.Ordinal)))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(printed, Is.EqualTo(ReadmeFirstEventCommands()));
            Assert.That(banner, Does.Contain("data directory : /data/dir"));
        });
    }

    /// <summary>The first bash block under README's "## Send a first event", comments and a trailing <c>&amp;</c> dropped.</summary>
    private static List<string> ReadmeFirstEventCommands()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        var section = readme.IndexOf("\n## Send a first event\n", StringComparison.Ordinal);
        var start = readme.IndexOf("```bash\n", section, StringComparison.Ordinal) + "```bash\n".Length;
        var end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        Assert.That(section, Is.GreaterThan(0), "README's 'Send a first event' section was found");
        var commands = readme[start..end].Split('\n').Select(Command).Where(line => line.Length > 0).ToList();
        Assert.That(commands, Has.Count.GreaterThanOrEqualTo(4), "README's first-event commands were found");
        return commands;
    }

    private static string Command(string line)
    {
        var comment = line.IndexOf(" #", StringComparison.Ordinal);
        return (comment >= 0 ? line[..comment] : line).Trim().TrimEnd('&').Trim();
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
}
