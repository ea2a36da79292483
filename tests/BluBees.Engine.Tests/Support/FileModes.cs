using NUnit.Framework;

namespace BluBees.Engine.Tests.Support;

internal static class FileModes
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The Unix mode of a file; the test is skipped where the OS has no modes.</summary>
    public static UnixFileMode Of(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Windows has no Unix file modes.");
            return default;
        }

        return File.GetUnixFileMode(path);
    }
}
