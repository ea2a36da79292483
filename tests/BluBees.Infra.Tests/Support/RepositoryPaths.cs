using System.Runtime.CompilerServices;

namespace BluBees.Infra.Tests.Support;

/// <summary>Finds files of the repository from the test assembly's directory.</summary>
internal static class RepositoryPaths
{
    /// <summary>
    /// Set this environment variable to check another copy of the template (for example a
    /// deliberately broken one, to see that the tests catch the breakage).
    /// </summary>
    public const string TemplateOverrideVariable = "BLUBEES_TEMPLATE";

    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    public static string Root => RootDirectory.Value;

    public static string Template =>
        Environment.GetEnvironmentVariable(TemplateOverrideVariable) is { Length: > 0 } overridden
            ? Path.GetFullPath(overridden)
            : Path.Combine(Root, "template.yaml");

    public static string File(params string[] relative) => Path.Combine([Root, .. relative]);

    // The assembly directory first (the normal layout); then the working directory and this
    // source file's directory, for builds with a private --artifacts-path outside the repository.
    private static string FindRoot()
    {
        string[] starts = [AppContext.BaseDirectory, Directory.GetCurrentDirectory(), SourceDirectory()];
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "BluBees.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"No BluBees.sln above any of: {string.Join(", ", starts)}.");
    }

    private static string SourceDirectory([CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path) ?? "/";
}
