using BluBees.Bench;
using BluBees.Bench.Micro;
using BluBees.Bench.Report;
using BluBees.Bench.Streaming;
using BluBees.Bench.Throughput;
using Spectre.Console;

// Part 2 runs each transfer in a child process of this executable (its own peak working set).
if (args.Length == 5 && args[0] == TransferChild.Flag)
{
    return await TransferChild.RunAsync(args);
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 200; // keep the tables readable in logs and CI output
}

var machine = MachineInfo.Capture();
AnsiConsole.MarkupLineInterpolated($"[bold]BluBees bench[/] — {machine.LogicalCores} cores, load {machine.LoadAverageStart}, {machine.Runtime}");
IReadOnlyList<PhaseResult> phases = [];
IReadOnlyList<TransferResult> transfers = [];
IReadOnlyList<MicroResult> micro = [];
BluBees.Bench.Fairness.FairnessResult? fairness = null;
void Progress(string message) => AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.Now:HH:mm:ss}[/] {message}");
if (options.Throughput)
{
    phases = await ThroughputRunner.RunAsync(options, Progress);
}

if (options.Streaming)
{
    transfers = await StreamingRunner.RunAsync(options, Progress);
}

if (options.Fairness)
{
    fairness = await BluBees.Bench.Fairness.FairnessRunner.RunAsync(options, Progress);
}

if (options.Stages)
{
    var stages = await BluBees.Bench.Stages.StageRunner.RunAsync(options, Progress);
    AnsiConsole.MarkupLine("[bold]Part 5 — one event's cost by stage (unloaded, one event at a time)[/]");
    foreach (var stage in stages)
    {
        AnsiConsole.WriteLine(stage.ToString());
    }

    AnsiConsole.WriteLine($"sum of stages (HTTP step counted once): {stages.Where((s, i) => BluBees.Bench.Stages.StageRunner.CountedInSum(i)).Sum(s => s.MeanMs):F3} ms mean");
    AnsiConsole.WriteLine($"process CPU per event: {BluBees.Bench.Stages.StageRunner.Totals}");
}

if (options.Micro)
{
    micro = MicroRunner.Run(options);
}

var results = new BenchResults(
    DateTimeOffset.UtcNow,
    "dotnet run -c Release --project bench/BluBees.Bench -- " + string.Join(' ', args),
    options,
    machine with { LoadAverageEnd = MachineInfo.LoadAverage() },
    phases,
    Comparison.From(phases),
    Comparison.Anchors,
    transfers,
    StreamingComparison.From(transfers),
    micro,
    fairness);
await results.WriteAsync(options.OutputPath);
await MarkdownReport.WriteAsync(results, Path.ChangeExtension(options.OutputPath, ".md"));
ResultsTable.Print(results);
AnsiConsole.MarkupLineInterpolated($"Results written to {Path.GetFullPath(options.OutputPath)} (and .md beside it)");
return 0;
