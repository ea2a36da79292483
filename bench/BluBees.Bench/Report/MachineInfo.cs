using System.Runtime;
using System.Runtime.InteropServices;

namespace BluBees.Bench.Report;

/// <summary>Where the numbers came from: they mean little without the machine and its load.</summary>
internal sealed record MachineInfo(
    int LogicalCores, string CpuModel, string Memory, string Os, string Runtime, string Gc, string LoadAverageStart, string? LoadAverageEnd)
{
    public static MachineInfo Capture() => new(
        Environment.ProcessorCount,
        ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        ProcField("/proc/meminfo", "MemTotal") ?? "unknown",
        OsName(),
        RuntimeInformation.FrameworkDescription,
        GCSettings.IsServerGC ? "server" : "workstation",
        LoadAverage(),
        null);

    public static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string? ProcField(string file, string field)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string OsName()
    {
        var pretty = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"')
            : null;
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : null;
        return pretty is null ? RuntimeInformation.OSDescription : kernel is null ? pretty : $"{pretty}, Linux {kernel}";
    }
}
