using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>
/// How long a suspect runs alone (<see cref="Execution.RunOptions.SuspectAloneSeconds"/>). A suspect ran alone until
/// its run ended, up to the run deadline (2 hours by default): after a crash, a tenant whose third party hangs (or whose
/// rule runs long) held every other tenant's events back for that long per message it had in flight. Now a suspect
/// still running at the end of its window is released: the next suspect, then the usual claims and hand-offs, start
/// beside it, and it no longer counts as running when the next suspect waits for the worker to be idle. The suspects'
/// total time alone is bounded too (<see cref="Execution.RunOptions.SuspectAloneTotalSeconds"/>, from the worker's
/// start): past it the running suspect is released and the remaining ones are claimed like any message.
/// </summary>
public sealed partial class RunWorker
{
    private readonly Lock _windowLock = new();
    private readonly HashSet<string> _released = new(StringComparer.Ordinal); // suspects past their window, still in flight
    private int _releasedShares; // of those, how many still hold their tenant's share

    /// <summary>
    /// On the queue's writer thread: whether nothing runs (no share held by a run or a hand-off's reservation, no run
    /// still committing its records) but suspects released from running alone, so that a suspect may start alone.
    /// </summary>
    private bool Idle()
    {
        lock (_windowLock)
        {
            return _shares.Total == _releasedShares && _inFlight.Keys.All(_released.Contains);
        }
    }

    /// <summary>
    /// A suspect's window ends at the earlier of its own <see cref="Execution.RunOptions.SuspectAloneSeconds"/> and the
    /// end of the suspects' total time alone (<see cref="SqliteRunQueue.SuspectsAloneUntil"/>,
    /// <see cref="Execution.RunOptions.SuspectAloneTotalSeconds"/> from the worker's start): each suspect had a full
    /// window, one after another, so one tenant's hanging suspects held the others back one window per message.
    /// </summary>
    private SuspectWindow OpenWindow(string messageId)
    {
        var own = TimeSpan.FromSeconds(_options.SuspectAloneSeconds);
        var left = queue.SuspectsAloneUntil - time.GetUtcNow();
        var total = left < own;
        var window = new SuspectWindow(this, messageId, total);
        var due = total ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : own;
        window.Arm(time.CreateTimer(static s => ((SuspectWindow)s!).Release(), window, due, Timeout.InfiniteTimeSpan));
        return window;
    }

    /// <summary>A suspect past its window: claims and hand-offs resume beside it.</summary>
    private void Released(string messageId, bool total)
    {
        queue.EndAlone(messageId);
        if (total)
        {
            LogReleasedTotal(logger, messageId, _options.SuspectAloneTotalSeconds);
        }
        else
        {
            LogReleased(logger, messageId, _options.SuspectAloneSeconds);
        }

        queue.Wake();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} (a suspect) has run alone for {Seconds} s; other messages now run beside it")]
    private static partial void LogReleased(ILogger logger, string messageId, int seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} (a suspect) is released: the suspects have run alone for {Seconds} s in all since the start; it, the other messages and the remaining suspects now run side by side")]
    private static partial void LogReleasedTotal(ILogger logger, string messageId, int seconds);

    /// <summary>One suspect's window: its timer, and whether it was released, gave its share back, or ended.</summary>
    private sealed class SuspectWindow : IDisposable
    {
        private readonly RunWorker _worker;
        private readonly string _id;
        private readonly bool _total; // ends with the suspects' total time alone, not its own window
        private ITimer? _timer;
        private bool _released;
        private bool _stepsEnded;
        private bool _ended;

        public SuspectWindow(RunWorker worker, string id, bool total) => (_worker, _id, _total) = (worker, id, total);

        public void Arm(ITimer timer)
        {
            lock (_worker._windowLock)
            {
                if (!_ended)
                {
                    _timer = timer;
                    return;
                }
            }

            timer.Dispose();
        }

        /// <summary>Its steps have ended and its share is about to be given back.</summary>
        public void StepsEnded()
        {
            lock (_worker._windowLock)
            {
                if (_released && !_stepsEnded)
                {
                    _worker._releasedShares--;
                }

                _stepsEnded = true;
            }
        }

        /// <summary>Its run has ended (before it leaves the worker's in-flight set).</summary>
        public void Dispose()
        {
            ITimer? timer;
            lock (_worker._windowLock)
            {
                _ended = true;
                _worker._released.Remove(_id);
                (timer, _timer) = (_timer, null);
            }

            timer?.Dispose();
        }

        public void Release()
        {
            lock (_worker._windowLock)
            {
                if (_ended || _released)
                {
                    return;
                }

                _released = true;
                _worker._released.Add(_id);
                if (!_stepsEnded)
                {
                    _worker._releasedShares++;
                }
            }

            _worker.Released(_id, _total);
        }
    }
}
