using Microsoft.Extensions.Logging;

namespace BluBees.Engine.Runs;

/// <summary>
/// How long a suspect runs alone (<see cref="Execution.RunOptions.SuspectAloneSeconds"/>). A suspect ran alone until
/// its run ended, up to the run deadline (2 hours by default): after a crash, a tenant whose third party hangs (or whose
/// rule runs long) held every other tenant's events back for that long per message it had in flight. Now a suspect
/// still running at the end of its window is released: the next suspect, then the usual claims and hand-offs, start
/// beside it, and it no longer counts as running when the next suspect waits for the worker to be idle.
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

    private SuspectWindow OpenWindow(string messageId)
    {
        var window = new SuspectWindow(this, messageId);
        window.Arm(time.CreateTimer(static s => ((SuspectWindow)s!).Release(), window, TimeSpan.FromSeconds(_options.SuspectAloneSeconds), Timeout.InfiniteTimeSpan));
        return window;
    }

    /// <summary>A suspect past its window: claims and hand-offs resume beside it.</summary>
    private void Released(string messageId)
    {
        queue.EndAlone(messageId);
        LogReleased(logger, messageId, _options.SuspectAloneSeconds);
        queue.Wake();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} (a suspect) has run alone for {Seconds} s; other messages now run beside it")]
    private static partial void LogReleased(ILogger logger, string messageId, int seconds);

    /// <summary>One suspect's window: its timer, and whether it was released, gave its share back, or ended.</summary>
    private sealed class SuspectWindow : IDisposable
    {
        private readonly RunWorker _worker;
        private readonly string _id;
        private ITimer? _timer;
        private bool _released;
        private bool _stepsEnded;
        private bool _ended;

        public SuspectWindow(RunWorker worker, string id) => (_worker, _id) = (worker, id);

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

            _worker.Released(_id);
        }
    }
}
