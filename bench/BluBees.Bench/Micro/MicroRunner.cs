using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BluBees.Bench.Micro;

/// <summary>One micro-benchmark's numbers: mean time per operation and bytes allocated per operation.</summary>
internal sealed record MicroResult(string Name, double MeanNs, double StdDevNs, double MedianNs, long? AllocatedBytes, int Iterations);

/// <summary>
/// Part 2: BenchmarkDotNet in this process (in-process emit toolchain: no child build, no child process),
/// a short job so the whole part takes a few minutes on two cores.
/// </summary>
internal static class MicroRunner
{
    public static IReadOnlyList<MicroResult> Run(BenchOptions options)
    {
        var job = (options.MicroJob switch
        {
            "dry" => Job.Dry,
            "medium" => Job.MediumRun,
            "quick" => Job.ShortRun.WithWarmupCount(1).WithIterationCount(3).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100)),
            _ => Job.ShortRun,
        }).WithToolchain(InProcessEmitToolchain.Instance).WithId(options.MicroJob + "-inprocess");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(Path.Combine(options.OutputDirectory, "bdn"))
            .WithOptions(ConfigOptions.JoinSummary);
        var summaries = BenchmarkRunner.Run([typeof(ConditionBenchmarks), typeof(TemplateBenchmarks), typeof(TokenBenchmarks)], config);
        var results = new List<MicroResult>();
        foreach (var report in summaries.SelectMany(s => s.Reports))
        {
            var stats = report.ResultStatistics;
            var name = report.BenchmarkCase.Descriptor.Type.Name.Replace("Benchmarks", string.Empty, StringComparison.Ordinal)
                + "." + report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            results.Add(new MicroResult(
                name,
                Math.Round(stats?.Mean ?? double.NaN, 1),
                Math.Round(stats?.StandardDeviation ?? double.NaN, 1),
                Math.Round(stats?.Median ?? double.NaN, 1),
                report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase),
                stats?.N ?? 0));
        }

        return results;
    }
}
