using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using BluBees.Engine.Crypto;
using BluBees.Engine.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;
using BluBees.Engine.Egress;

namespace BluBees.Engine.Runs;

/// <summary>
/// Runs the durable queue's messages with bounded concurrency, fairly across tenants: the next message is the
/// oldest of the next tenant (round-robin) that has fewer than <see cref="RunOptions.PerTenantConcurrency"/> runs in
/// flight. On start it reclaims every lease of the previous process (at-least-once: a run that was started and not
/// finished runs again and finishes the same record). On shutdown it stops claiming, lets in-flight runs finish up
/// to <see cref="RunOptions.DrainSeconds"/>, then cancels the rest, which stay queued and run on the next start.
/// Between the reclaim and the drain it also takes direct hand-offs from the queue (<see cref="IRunHandOff"/>).
/// The messages the previous process held are suspects (one may be what took it down) and each runs alone: claimed
/// only when nothing else runs, with nothing claimed or handed off beside it for up to
/// <see cref="RunOptions.SuspectAloneSeconds"/>, and for at most <see cref="RunOptions.SuspectAloneTotalSeconds"/> in all
/// from the start (SqliteRunQueue.Suspects.cs, RunWorker.SuspectWindow.cs).
/// </summary>
public sealed partial class RunWorker(
    SqliteRunQueue queue, RunProcessor processor, TenantKeyService keys, IngressGate gate, BluBeesMetrics metrics,
    IOptions<RunOptions> options, TimeProvider time, ILogger<RunWorker> logger, Tenancy.TenantService tenants, Tenancy.UninstalledInstallations uninstalled) : BackgroundService, IRunHandOff, IHostedLifecycleService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>At most this many claims per transaction (bounded by the free slots).</summary>
    private const int MaxClaimBatch = 16;
    private readonly TenantShares _shares = new(options.Value.PerTenantConcurrency, workers: options.Value.WorkerConcurrency);
    private readonly ConcurrentDictionary<string, Running> _inFlight = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _runs = new();
    private readonly RunOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.WorkerConcurrency);
    private volatile bool _stopping;
    private readonly Lock _drainLock = new();
    private Task? _drain;
    private ConsumerLock? _consumer;

    /// <summary>Messages currently being run by this worker.</summary>
    public int InFlight => _inFlight.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reclaimed = await queue.ReclaimAllAsync(stoppingToken);
        LogResumed(logger, reclaimed, _options.SuspectAloneTotalSeconds, queue.Stats().Depth);
        queue.Attach(this);
        var slots = _slots;
        string? last = null;
        while (!_stopping && !stoppingToken.IsCancellationRequested)
        {
            // Every free slot is claimed for in one transaction (see SqliteRunQueue.ClaimManyAsync): one claim
            // round trip per run would cap the worker at the round trip's rate, whatever its concurrency.
            await slots.WaitAsync(stoppingToken);
            var free = 1;
            while (free < MaxClaimBatch && slots.Wait(0, CancellationToken.None))
            {
                free++;
            }

            var wake = queue.NextWake;
            IReadOnlyList<ClaimedMessage> claimed = [];
            try
            {
                // A suspect running alone: nothing is claimed beside it (the queue would claim nothing either; this
                // spares the empty transaction each accept's wake-up would cost meanwhile).
                claimed = _stopping || queue.Alone ? [] : await queue.ClaimManyAsync(free, _shares.TryClaim, tenant => _shares.Give(tenant), Idle, last, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogClaimFailed(logger, ex.GetType().Name);
            }

            if (free > claimed.Count)
            {
                slots.Release(free - claimed.Count);
            }

            if (claimed.Count == 0)
            {
                await Task.WhenAny(wake, Task.Delay(Poll, time, stoppingToken));
                continue;
            }

            foreach (var message in claimed)
            {
                last = message.TenantId;
                if (message.Suspect)
                {
                    LogRunsAlone(logger, message.Id, message.Attempts);
                }

                Start(message, slots);
            }
        }
    }

    /// <summary>
    /// Runs a claimed message; its worker slot and its tenant's share are already taken (and given back here when it
    /// cannot start: false). <paramref name="accept"/>: started before its accepting transaction committed.
    /// </summary>
    private bool Start(ClaimedMessage claimed, SemaphoreSlim slots, RunMessage? opened = null, AcceptCommit? accept = null)
    {
        // Tracked before it starts, so that a run finishing at once cannot leave a stale entry behind.
        var given = 0;
        SuspectWindow? window = null;
        void StepsEnded()
        {
            if (Interlocked.Exchange(ref given, 1) == 0)
            {
                window?.StepsEnded(); // before the share goes back: Idle never counts a share as a released suspect's that is not
                GiveBack(claimed.TenantId, slots, afterRun: true);
            }
        }

        Running? entry = null;
        var run = new Task<Task>(async () =>
        {
            try
            {
                await RunOneAsync(claimed, opened, StepsEnded, accept);
            }
            finally
            {
                if (accept is not null)
                {
                    await accept.Settled; // never ends before its commit is known (a fault above did not wait for it)
                    accept.Dispose();
                }

                if (claimed.Suspect)
                {
                    window?.Dispose();
                    queue.EndAlone(claimed.Id); // ended without its record too (its lease runs out): claims resume
                }

                _inFlight.TryRemove(KeyValuePair.Create(claimed.Id, entry!)); // its own entry only (see Withdrawing below)
                StepsEnded();
                if (queue.SuspectsMayExist)
                {
                    queue.Wake(); // a suspect may be waiting for this run to end
                }
            }
        });
        entry = new Running(run.Unwrap(), accept);
        while (!_inFlight.TryAdd(claimed.Id, entry))
        {
            if (!_inFlight.TryGetValue(claimed.Id, out var other))
            {
                continue; // gone meanwhile
            }

            if (accept is null && other.Accept is { } pending && !(pending.Settled.IsCompletedSuccessfully && pending.Settled.Result))
            {
                // The row is committed leased to this worker (a hand-off or a claim), and the entry in the way is a run
                // started beside an accept of the same message (the same event delivered twice at once) that has not
                // committed: that accept failed, was withdrawn or found this one's row, so it will never run the
                // message. Its withdrawal (on another thread) may come just after this commit; giving the row back
                // then left it leased to nobody, and the event ran only once its lease had expired
                // (Runs:LeaseSeconds). This run starts as soon as that accept is settled, keeping its slot and share.
                _ = StartAfterAsync(other, pending, claimed, slots, opened);
                return true;
            }

            // Still running here (its lease ran out under it, e.g. after a pause of the process): one run at a time per
            // message. The claim's fresh lease is renewed by the running one.
            GiveBack(claimed.TenantId, slots, afterRun: false);
            return false;
        }

        if (accept is not null)
        {
            // Withdrawn, the message may be committed waiting (something claimable was older) and claimed at once: its
            // entry goes now, on the writer's thread before that claim, not when this run has wound down, or the claim
            // would find it "still running" and leave the message to its lease's expiry.
            accept.Withdrawing = () => _inFlight.TryRemove(KeyValuePair.Create(claimed.Id, entry));
        }

        window = claimed.Suspect ? OpenWindow(claimed.Id) : null;
        run.Start(TaskScheduler.Default);
        return true;
    }

    /// <summary>
    /// Starts a message whose row is committed leased to this worker once the early start of the same message, still
    /// waiting for its own accept, is settled. Withdrawn (it removed its in-flight entry first), this one starts; had it
    /// committed, the run is its, and what this one holds goes back. A drain begun meanwhile leaves the row leased for
    /// the next start, as a hand-off committed after the drain began.
    /// </summary>
    private async Task StartAfterAsync(Running other, AcceptCommit pending, ClaimedMessage claimed, SemaphoreSlim slots, RunMessage? opened)
    {
        LogWaitsForEarlyStart(logger, claimed.Id);
        var committed = await pending.Settled.ConfigureAwait(false);
        if (!committed && _inFlight.TryGetValue(claimed.Id, out var still) && ReferenceEquals(still, other))
        {
            // Withdrawn before it could name its entry for removal: the entry goes when that run has wound down, which
            // it does at its next wait (it sends and writes nothing).
            await other.Run.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }

        if (committed || _stopping)
        {
            GiveBack(claimed.TenantId, slots, afterRun: false);
            return;
        }

        Start(claimed, slots, opened);
    }

    /// <summary>A message in flight: its run, and the accept it started beside (null: claimed or handed off after its commit).</summary>
    private sealed record Running(Task Run, AcceptCommit? Accept);

    bool IRunHandOff.TryReserve(string tenant)
    {
        if (_stopping || queue.Alone || !_slots.Wait(0))
        {
            return false;
        }

        if (_shares.TryTake(tenant))
        {
            return true;
        }

        _slots.Release();
        return false;
    }

    void IRunHandOff.Unreserve(string tenant) => GiveBack(tenant, _slots, afterRun: false);

    AcceptCommit? IRunHandOff.TryStartEarly(ClaimedMessage claimed, RunMessage message)
    {
        if (!((IRunHandOff)this).TryReserve(claimed.TenantId))
        {
            return null;
        }

        var accept = new AcceptCommit(() => !_stopping);
        if (Start(claimed, _slots, message, accept))
        {
            return accept;
        }

        accept.Dispose();
        return null;
    }

    /// <summary>
    /// Gives back a tenant's share and a worker slot, and wakes the claim loop when a claim was refused that share
    /// meanwhile (<see cref="TenantShares.Give"/>) or, after a run, when the last claim left claimable messages behind.
    /// </summary>
    private void GiveBack(string tenant, SemaphoreSlim slots, bool afterRun)
    {
        var refused = _shares.Give(tenant);
        slots.Release();
        if (refused || (afterRun && queue.Backlog))
        {
            queue.Wake();
        }
    }

    void IRunHandOff.Start(ClaimedMessage claimed, RunMessage message)
    {
        if (_stopping)
        {
            // Reserved before the drain began, committed after: the row stays leased and durable, and the next start
            // reclaims and runs it (the drain has already counted what it waits for).
            _shares.Give(claimed.TenantId);
            _slots.Release();
            return;
        }

        Start(claimed, _slots, message);
    }

    /// <param name="stepsEnded">
    /// Gives the run's worker slot and tenant share back (once). Called when its steps have ended, before its records
    /// commit: the commit waits in the group-commit writer (see <see cref="SqliteRunQueue.CompleteAsync(ClaimedMessage, IReadOnlyList{RunRecord}, IReadOnlyList{Trace.RuleTraceEntry}, CancellationToken)"/>),
    /// and a slot held through that wait kept the tenant's next event from starting although nothing of the run was
    /// still calling out. The message stays in <see cref="_inFlight"/> (and leased) until the commit returns, so it is
    /// never started a second time meanwhile, and the drain still waits for it.
    /// </param>
    /// <param name="accept">
    /// Started before its accepting transaction committed (<see cref="AcceptCommit"/>): everything below that sends or
    /// writes waits for that commit; withdrawn, the run ends there and leaves nothing (its records are not written).
    /// </param>
    /// <summary>
    /// A run started beside its accept counts its wait once its accept commits: a withdrawn one is claimed later, and
    /// that claim's run counts the wait then.
    /// </summary>
    private void RecordQueueWait(TimeSpan wait, AcceptCommit? accept)
    {
        if (accept is null)
        {
            metrics.QueueWait(wait);
            return;
        }

        _ = accept.Settled.ContinueWith(
            (settled, state) =>
            {
                if (settled.Result)
                {
                    metrics.QueueWait((TimeSpan)state!);
                }
            },
            wait,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnRanToCompletion,
            TaskScheduler.Default);
    }

    private async Task RunOneAsync(ClaimedMessage claimed, RunMessage? opened, Action stepsEnded, AcceptCommit? accept)
    {
        using var unbounded = Storage.StoreWriteWait.Unbounded(); // a hand-off starts in its accept's context, not under its bound
        AcceptCommit.Enter(accept);
        var ct = _runs.Token;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(_options.RunDeadlineSeconds), time);
        using var runDeadline = RunDeadline.Enter(time.GetUtcNow().AddSeconds(_options.RunDeadlineSeconds)); // no Retry-After wait it would cut
        using var running = accept is null
            ? CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token)
            : CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token, accept.WithdrawnToken);
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewing = RenewAsync(claimed.Id, accept, renewal.Token);
        try
        {
            var now = time.GetUtcNow();
            RecordQueueWait(now - claimed.EnqueuedAt, accept);
            if (await TenantGoneAsync(claimed.Tenant, ct))
            {
                await DropOfUninstalledAsync(claimed, accept);
                return;
            }

            var message = opened;
            try
            {
                message ??= await queue.OpenAsync(claimed, ct);
            }
            catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
            {
                if (ex is CryptographicException && await TenantGoneAsync(claimed.Tenant, ct))
                {
                    // Uninstalled between the check above and the open (the erase shredded the key meanwhile): the
                    // same outcome as above, not an unopenable message (a warning, then a retry of a row the
                    // uninstall deletes anyway).
                    await DropOfUninstalledAsync(claimed, accept);
                    return;
                }

                metrics.DecryptFailure("queue_message");
                LogUnopenable(logger, claimed.Id, claimed.Attempts, ex.GetType().Name);
                if (claimed.Attempts < _options.MaxAttempts)
                {
                    return; // the lease expires and the message is tried again (a key provider may be briefly down)
                }
            }

            var exhausted = message is null || claimed.Attempts > _options.MaxAttempts || claimed.Drains >= _options.MaxDrains
                || now - claimed.EnqueuedAt > TimeSpan.FromHours(_options.MaxMessageAgeHours);
            if (exhausted)
            {
                LogExhausted(logger, claimed.Id, claimed.Attempts, claimed.Drains);
            }

            var misses = new List<Trace.RuleTraceEntry>();
            var kept = new HashSet<RunRecord>(ReferenceEqualityComparer.Instance);
            var records = exhausted
                ? await processor.ExhaustedKeepingFinishedAsync(message, claimed.RuleId, kept, CancellationToken.None)
                : await processor.ExecuteAsync(message!, misses, replay: claimed.Replay, kept, running.Token);
            if (accept is not null && !await accept.Settled)
            {
                // Not accepted after all: nothing was sent (every call out waited for the commit), nothing is written.
                LogWithdrawn(logger, claimed.Id);
                return;
            }

            if (ct.IsCancellationRequested)
            {
                // Drain deadline: the started runs leave a "cancelled" record now; the message stays queued and its
                // next run overwrites the same records (run ids derive from the message).
                await queue.ReleaseAsync(claimed, Unwritten(records, kept), CancellationToken.None);
                await EraseIfUninstalledAsync(claimed);
                return;
            }

            if (!exhausted && deadline.IsCancellationRequested)
            {
                // Run deadline: the message has held its worker long enough. The rule cut off and the rules not reached
                // each leave a failed record, and the message is finished: running it again would hold a worker as long.
                records = await processor.DeadlineExceededAsync(message!, records, CancellationToken.None);
                LogRunDeadline(logger, claimed.Id, _options.RunDeadlineSeconds);
            }

            stepsEnded();
            // The records an earlier delivery left (a drain gave the message back with them) are in the store already:
            // written again they set their rules' last run back to them, after a newer run of the rule had finished.
            records = Unwritten(records, kept);
            await CompleteAsync(claimed, records, misses, ct);
            await EraseIfUninstalledAsync(claimed);
            foreach (var run in records)
            {
                metrics.RunFinished(run.Status, run.ErrorCategory);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Drain deadline before any rule had started (the data key or the message was still being read): no run
            // to record; the message goes back to the queue now instead of when its lease runs out.
            if (accept is null || await accept.Settled)
            {
                await ReleaseUnstartedAsync(claimed);
            }
        }
        catch (Exception ex)
        {
            // Infrastructure fault (the database): the lease expires and the message runs again. Type only: a
            // message could quote data.
            LogCrash(logger, claimed.Id, ex.GetType().Name);
        }
        finally
        {
            await renewal.CancelAsync();
            await renewing;
        }
    }

    /// <summary>Waits before each further try of a run's record commit (five tries after the first, about 31 s in all).</summary>
    private static readonly TimeSpan[] FinishRetries = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16)];

    /// <summary>
    /// Commits a run's records and finishes its message, trying again while the database refuses (the disk full, the
    /// write lock held past the busy timeout, a failed group commit). The steps have run: giving up at once left the
    /// lease to expire and the message to run again — the third party called once more per failed commit, and after
    /// <see cref="RunOptions.MaxAttempts"/> a run that had succeeded recorded as <c>delivery_exhausted</c>. The lease is
    /// renewed meanwhile; after the last try (or when the drain ends the wait) it fails as before and the message runs
    /// again, once the database takes writes, with one record.
    /// </summary>
    /// <summary>The records this delivery made, without those an earlier delivery left (<paramref name="kept"/>), which are stored already.</summary>
    private static IReadOnlyList<RunRecord> Unwritten(IReadOnlyList<RunRecord> records, HashSet<RunRecord> kept)
        => kept.Count == 0 ? records : [.. records.Where(r => !kept.Contains(r))];

    private async Task CompleteAsync(ClaimedMessage claimed, IReadOnlyList<RunRecord> records, IReadOnlyList<Trace.RuleTraceEntry> misses, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await queue.CompleteAsync(claimed, records, misses, CancellationToken.None);
                return;
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex) when (attempt < FinishRetries.Length && !_stopping)
            {
                LogFinishRetry(logger, claimed.Id, ex.GetType().Name, ex.SqliteErrorCode, attempt + 1);
                try
                {
                    await Task.Delay(FinishRetries[attempt], time, ct);
                }
                catch (OperationCanceledException)
                {
                    // The drain's deadline: the commit's own failure stands (the message stays leased and runs again
                    // on the next start), not a "cancelled before any rule started".
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording the finished run of queued message {MessageId} failed with {ExceptionType} (SQLite error {ErrorCode}); try {Retry} again shortly, without running it again")]
    private static partial void LogFinishRetry(ILogger logger, string messageId, string exceptionType, int errorCode, int retry);

    private async Task ReleaseUnstartedAsync(ClaimedMessage claimed)
    {
        try
        {
            await queue.ReleaseAsync(claimed, [], CancellationToken.None);
            LogReleasedUnstarted(logger, claimed.Id);
        }
        catch (Exception ex)
        {
            LogCrash(logger, claimed.Id, ex.GetType().Name); // the lease expires and the message runs again
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queued message {MessageId} started before its accepting transaction committed, which did not keep it for this run; it stopped before sending or writing anything")]
    private static partial void LogWithdrawn(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drain: queued message {MessageId} given back before any of its rules started")]
    private static partial void LogReleasedUnstarted(ILogger logger, string messageId);

    private async Task RenewAsync(string messageId, AcceptCommit? accept, CancellationToken ct)
    {
        var every = TimeSpan.FromSeconds(Math.Max(1, _options.LeaseSeconds / 3));
        try
        {
            if (accept is not null && !await accept.Settled.WaitAsync(ct))
            {
                return; // no row of this run to renew
            }

            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(every, time, ct);
                try
                {
                    await queue.RenewAsync(messageId, CancellationToken.None);
                }
                catch (Microsoft.Data.Sqlite.SqliteException ex)
                {
                    // One failed renewal (a lock held past the busy timeout, a failed group commit) must not end the
                    // renewals: the lease would run out under the running step and the message be claimed and run
                    // again. The lease outlives the next try.
                    LogRenewFailed(logger, messageId, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        ReleaseConsumerLock();
        _runs.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run queue: {Reclaimed} unfinished message(s) reclaimed from the previous process, each to run alone (for {TotalSeconds} s at most in all); {Depth} queued")]
    private static partial void LogResumed(ILogger logger, int reclaimed, int totalSeconds, long depth);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queued message {MessageId} failed with {ExceptionType}; it runs again when its lease expires")]
    private static partial void LogCrash(ILogger logger, string messageId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of queued message {MessageId} failed with {ExceptionType}; tried again at the next renewal")]
    private static partial void LogRenewFailed(ILogger logger, string messageId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Claiming from the run queue failed with {ExceptionType}")]
    private static partial void LogClaimFailed(ILogger logger, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} could not be opened (delivery {Attempts}): {ExceptionType}")]
    private static partial void LogUnopenable(ILogger logger, string messageId, int attempts, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} exhausted after {Attempts} deliveries and {Drains} drains, or its age limit; recorded as failed")]
    private static partial void LogExhausted(ILogger logger, string messageId, int attempts, int drains);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} passed the run deadline ({DeadlineSeconds} s); its unfinished rules were recorded as run_deadline_exceeded")]
    private static partial void LogRunDeadline(ILogger logger, string messageId, int deadlineSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued message {MessageId} is leased to this worker while a run of it started beside another delivery's accept is still settling; it starts once that accept is settled")]
    private static partial void LogWaitsForEarlyStart(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued message {MessageId} was running when the previous process stopped; it runs alone now (delivery {Attempts})")]
    private static partial void LogRunsAlone(ILogger logger, string messageId, int attempts);
}
