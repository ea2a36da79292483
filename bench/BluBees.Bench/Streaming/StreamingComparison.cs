namespace BluBees.Bench.Streaming;

/// <summary>
/// Per size: the engine against the direct copy. With several rounds, the best rate of each mode (the run least
/// disturbed by other load on a shared machine) and the highest peak working set (the worst case).
/// </summary>
internal sealed record StreamingComparison(
    long Bytes, double DirectMegabytesPerSecond, double EngineMegabytesPerSecond, double Ratio, long DirectPeakWorkingSet, long EnginePeakWorkingSet, bool ByteExact)
{
    public const string Anchor = "n8n keeps binary data in memory by default and fails above about 30 MB";

    public static IReadOnlyList<StreamingComparison> From(IReadOnlyList<TransferResult> transfers) =>
    [
        .. transfers.GroupBy(t => t.Bytes).Select(g =>
        {
            var direct = g.Where(t => t.Mode == "direct").ToList();
            var engine = g.Where(t => t.Mode == "engine").ToList();
            var d = direct.Count > 0 ? direct.Max(t => t.MegabytesPerSecond) : double.NaN;
            var e = engine.Count > 0 ? engine.Max(t => t.MegabytesPerSecond) : double.NaN;
            return new StreamingComparison(
                g.Key, d, e, Math.Round(e / d, 3), direct.Count > 0 ? direct.Max(t => t.PeakWorkingSet) : 0, engine.Count > 0 ? engine.Max(t => t.PeakWorkingSet) : 0,
                g.All(t => t.ByteExact && t.ContentTypePassed && t.ContentLengthPassed));
        }),
    ];
}
