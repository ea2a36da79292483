namespace BluBees.Engine.Templates;

/// <summary>
/// The template and condition work one run may do across all its steps: a count of work units (the same units
/// as a render's <see cref="TemplateLimits.MaxSteps"/>: one per node, iteration, filter call or element, plus one
/// per <see cref="TemplateLimits.ScanCharsPerStep"/> characters a string operation scans or produces) and a ceiling
/// on the time spent inside rendering and condition evaluation (measured with the injected clock, so HTTP waits
/// between steps do not count). Once either is used up every later render of the run fails with a limit error, so
/// one tenant's hostile rule cannot hold a worker for long. Thread-safe; one per run, never shared between runs.
/// </summary>
public sealed class RunBudget
{
    private static readonly AsyncLocal<RunBudget?> Ambient = new();

    private readonly TimeProvider _time;
    private readonly RunBudget? _message;
    private readonly string _scope;
    private long _units;
    private long _elapsedTicks;
    private int _refusals;

    /// <param name="message">
    /// The budget of the queued message this run belongs to: every charge counts against both, and the run's renders fail
    /// once either is used up (a message runs every rule it fires, each with a run budget of its own).
    /// </param>
    /// <param name="scope">Names the budget in the limit message ("run's", "message's").</param>
    public RunBudget(long maxUnits, TimeSpan maxTime, TimeProvider time, RunBudget? message = null, string scope = "run's")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxUnits);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxTime, TimeSpan.Zero);
        MaxUnits = maxUnits;
        MaxTime = maxTime;
        _time = time;
        _message = message;
        _scope = scope;
        StartedAt = time.GetUtcNow();
    }

    /// <summary>
    /// The budget of the run executing on this async flow (set by the run processor with <see cref="Activate"/>);
    /// renders and condition evaluations charge it without every step kind having to pass it along.
    /// </summary>
    public static RunBudget? Current => Ambient.Value;

    public long MaxUnits { get; }

    /// <summary>
    /// When the run began, on the injected clock: templates read it as <c>{{now}}</c>, so every render of one run
    /// (and of a dry run, which has its own budget) sees the same instant.
    /// </summary>
    public DateTimeOffset StartedAt { get; }

    public TimeSpan MaxTime { get; }

    /// <summary>Work units charged so far (may overshoot <see cref="MaxUnits"/> by the one charge that was refused).</summary>
    public long UsedUnits => Interlocked.Read(ref _units);

    /// <summary>Time spent inside rendering and condition evaluation so far.</summary>
    public TimeSpan UsedTime => TimeSpan.FromTicks(Interlocked.Read(ref _elapsedTicks));

    /// <summary>How many charges were refused: a step that failed while this grew failed on the run's budget.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    public bool Exhausted => UsedUnits > MaxUnits || UsedTime > MaxTime || _message is { Exhausted: true };

    /// <summary>Makes this the <see cref="Current"/> budget of the calling async flow until disposed.</summary>
    public IDisposable Activate()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Restore(previous);
    }

    /// <summary>Starts a metered section (one render, one condition); pass the value to <see cref="TryCharge"/> and <see cref="End"/>.</summary>
    internal long Begin() => _time.GetTimestamp();

    /// <summary>Charges work done in the section begun at <paramref name="since"/>; false (and counted) when units or time are used up.</summary>
    internal bool TryCharge(long units, long since)
    {
        var used = Interlocked.Add(ref _units, Math.Max(0, units));
        var withinMessage = _message is null || _message.TryCharge(units, since);
        if (withinMessage && used <= MaxUnits && UsedTime + _time.GetElapsedTime(since) <= MaxTime)
        {
            return true;
        }

        Interlocked.Increment(ref _refusals);
        return false;
    }

    /// <summary>Records work already done without refusing anything (the end of a section that did not fail on the budget).</summary>
    internal void Add(long units)
    {
        Interlocked.Add(ref _units, Math.Max(0, units));
        _message?.Add(units);
    }

    /// <summary>Ends a metered section, adding its time to <see cref="UsedTime"/>.</summary>
    internal void End(long since)
    {
        Interlocked.Add(ref _elapsedTicks, Math.Max(0, _time.GetElapsedTime(since).Ticks));
        _message?.End(since);
    }

    /// <summary>The limit message: names the budget, never data.</summary>
    internal string Describe() => _message is { Exhausted: true } && !(UsedUnits > MaxUnits || UsedTime > MaxTime)
        ? _message.Describe()
        : UsedUnits > MaxUnits
            ? $"the {_scope} template work budget of {MaxUnits} units is used up"
            : $"the {_scope} template time budget of {(long)MaxTime.TotalMilliseconds} ms is used up";

    private sealed class Restore(RunBudget? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Ambient.Value = previous;
            }
        }
    }
}
