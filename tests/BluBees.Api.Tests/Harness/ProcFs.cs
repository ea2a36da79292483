using System.Globalization;

namespace BluBees.Api.Tests.Harness;

/// <summary>What the kill tests read of a process under <c>/proc</c> (Linux): its one child, and its state letter.</summary>
internal static class ProcFs
{
    /// <summary>The one child of <paramref name="pid"/> (strace runs one process, the CLI).</summary>
    public static int ChildOf(int pid)
    {
        var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(children, Has.Length.EqualTo(1), "strace runs one process, the CLI");
        return int.Parse(children[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The process's state letter (<c>/proc/PID/stat</c>, after the parenthesized name), or null once it is gone.</summary>
    public static char? StateOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0];
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
