using System.Collections.Concurrent;
using BluBees.Engine.Crypto;
using BluBees.Engine.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BluBees.Engine.Execution;

namespace BluBees.Aws.Sqs;

/// <summary>
/// Runs one SQS batch: decrypts each record and hands it to <see cref="IRunProcessor"/>, with the worker's
/// concurrency, at most <see cref="RunOptions.PerTenantConcurrency"/> records of one tenant at a time and the
/// worker reserve kept for tenants with nothing running (<see cref="BatchShares"/>). A record that throws is reported in <c>batchItemFailures</c>, so SQS redelivers only that
/// one and moves it to the dead-letter queue after maxReceiveCount receives; the others are deleted.
/// A record whose tenant has no data key any more (uninstalled: crypto-shredded) is acknowledged and dropped.
/// Logs carry message ids and exception types only, never a body.
/// </summary>
public sealed partial class SqsBatchProcessor(
    RunMessageCodec codec, IRunProcessor processor, TenantKeyService keys, IOptions<RunOptions> runs, ILogger<SqsBatchProcessor> logger,
    RunProcessor exhausted, RunStore runStore, IOptions<WorkerOptions> worker, TimeProvider time, Engine.Tenancy.TenantService tenants)
{
    public async Task<SqsBatchResponse> ProcessAsync(SqsEvent batch, CancellationToken ct)
    {
        var failures = new ConcurrentBag<SqsBatchItemFailure>();
        var records = batch.Records ?? [];
        // Every record waits until its tenant may run one more (its share, and the reserve kept for tenants with nothing
        // running), so one tenant's records (a flood, a hanging third party) hold at most Runs:PerTenantConcurrency
        // slots, several such tenants together never the last Runs.WorkerReserve ones, and the other tenants' records
        // of the batch run beside them, as on the embedded worker.
        var shares = new BatchShares(runs.Value.WorkerConcurrency, runs.Value.PerTenantConcurrency, runs.Value.WorkerReserve);

        // The function's timeout would end the invocation mid-run: no record, the whole batch again, finished runs too.
        // Runs still going at the deadline are cancelled instead (record "cancelled") and their messages return to
        // the queue, as the embedded worker's drain leaves them queued; the next receive rewrites the same records.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(worker.Value.RunDeadlineSeconds), time);
        var deadlineAt = time.GetUtcNow().AddSeconds(worker.Value.RunDeadlineSeconds);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        using var copies = new BatchCopies();
        await Parallel.ForEachAsync(records, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, records.Count), CancellationToken = ct }, async (record, token) =>
        {
            if (string.IsNullOrEmpty(record.MessageId))
            {
                LogNoMessageId(logger);
                return;
            }

            var tenant = TenantKey(record.Body);
            using var runDeadline = RunDeadline.Enter(deadlineAt); // no Retry-After wait the deadline would cut
            await shares.EnterAsync(tenant, token);
            try
            {
                var opened = new OpenedRecord();
                string? error = null;
                try
                {
                    if (!deadline.IsCancellationRequested)
                    {
                        await ProcessRecordAsync(record, opened, copies, running.Token);
                    }
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    error = ex.GetType().Name;
                }

                if (error is not null || deadline.IsCancellationRequested)
                {
                    failures.Add(new SqsBatchItemFailure(record.MessageId));
                    if (deadline.IsCancellationRequested)
                    {
                        LogDeadline(logger, record.MessageId, worker.Value.RunDeadlineSeconds);
                    }
                    else
                    {
                        LogFailed(logger, record.MessageId, record.ReceiveCount, error!);
                    }

                    if (record.ReceiveCount >= worker.Value.MaxReceiveCount && UninstallFinishMessage.TenantOf(record.Body) is not null)
                    {
                        LogFinishExhausted(logger, record.MessageId, record.ReceiveCount); // not a run: no run record
                    }
                    else if (record.ReceiveCount >= worker.Value.MaxReceiveCount)
                    {
                        // Its last receive: the record goes to the dead-letter queue next, so it leaves its
                        // records first — whether it threw, was cut off by the deadline, or never started
                        // (waiting for its tenant's share behind that tenant's hanging runs).
                        await RecordExhaustedAsync(record, opened);
                    }
                }
            }
            finally
            {
                shares.Leave(tenant);
            }
        });

        return new SqsBatchResponse([.. failures.OrderBy(f => f.ItemIdentifier, StringComparer.Ordinal)]);
    }

    /// <summary>The record's tenant as its share key; unreadable records share one key (they fail at once).</summary>
    private static string TenantKey(string? body)
        => body is null ? string.Empty : (RunMessageCodec.TenantOf(body) ?? UninstallFinishMessage.TenantOf(body))?.Value ?? string.Empty;

    private async Task ProcessRecordAsync(SqsRecord record, OpenedRecord opened, BatchCopies copies, CancellationToken ct)
    {
        var body = record.Body ?? throw new FormatException("The record has no body.");
        if (UninstallFinishMessage.TenantOf(body) is { } uninstalled)
        {
            // An uninstall refused part way: erased again while its installation is marked uninstalled; a refusal
            // throws and the message returns to the queue.
            var finished = await tenants.FinishUninstallAsync(uninstalled, ct);
            LogUninstallFinished(logger, record.MessageId!, finished);
            return;
        }

        var tenantId = RunMessageCodec.TenantOf(body) ?? throw new FormatException("The record is not a BluBees run envelope.");
        if (await keys.GetExistingAsync(tenantId, ct) is null)
        {
            LogTenantGone(logger, record.MessageId!);
            return;
        }

        RunMessage message;
        try
        {
            message = await codec.DecodeAsync(body, ct);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            if (await keys.GetExistingAsync(tenantId, ct) is null)
            {
                // Uninstalled between the check above and the open (the erase shredded the key meanwhile): dropped at
                // once, as the embedded worker does (RunWorker), not returned to the queue to be dropped on a retry.
                LogTenantGone(logger, record.MessageId!);
                return;
            }

            if (record.SentAt is not { } sentAt || !await keys.IsLaterInstallationAsync(tenantId, sentAt, ct))
            {
                throw; // a tampered message, or a key provider that failed: it returns to the queue
            }

            // Sealed under an earlier installation's key (uninstalled, then installed again): nothing of it may run
            // or be recorded in the new installation, and retrying cannot open it.
            LogEarlierInstallation(logger, record.MessageId!);
            return;
        }

        opened.Tenant = tenantId;
        opened.Message = message;
        // Every receive is a possible replay: a standard queue delivers at least once, and a copy that survived its
        // delete or a second stored send arrives as a new message (receive count 1, sent moments after the receipt), as
        // a dead-letter redrive does (new message id and enqueue time:
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html,
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html).
        // So the record of each rule the event fires is read before the rule runs (one read per such rule), and a rule
        // an earlier copy finished keeps its record and is not run (its calls not sent) again. Copies within this batch
        // take turns, so the later one finds the earlier one's records.
        // Copies in other invocations (a second stored copy, or this message again after its visibility timeout ended
        // while an invocation still ran it) both read "no record" at the same time: each rule's run is claimed first
        // (a conditional write per rule the event fires), and a copy that finds a live claim returns to the queue
        // (RunClaimedElsewhereException: a batch item failure), to find the record on its next receive.
        using var turn = await copies.EnterAsync(message, ct);
        // The last receive writes its records before it runs, so that an invocation killed meanwhile leaves them
        // (SqsBatchProcessor.LastReceive.cs); the run overwrites them with its outcome.
        var early = record.ReceiveCount >= worker.Value.MaxReceiveCount ? await RecordBeforeLastRunAsync(record, message, ct) : [];
        await processor.ProcessAsync(message, replay: true, TimeSpan.FromSeconds(worker.Value.ClaimSeconds), ct);
        if (early.Count > 0 && !ct.IsCancellationRequested)
        {
            await RemoveUnrunAsync(message, early);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS message {MessageId} was sealed for an earlier installation of its tenant (uninstalled, then installed again); dropped")]
    private static partial void LogEarlierInstallation(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS message {MessageId} failed on receive {ReceiveCount} with {ExceptionType}; it returns to the queue")]
    private static partial void LogFailed(ILogger logger, string messageId, int receiveCount, string exceptionType);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS message {MessageId} belongs to a tenant whose data key is gone (uninstalled); dropped")]
    private static partial void LogTenantGone(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS message {MessageId} was still running at the worker's run deadline ({DeadlineSeconds} s); cancelled, it returns to the queue")]
    private static partial void LogDeadline(ILogger logger, string messageId, int deadlineSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS message {MessageId} asked to finish an uninstall; erased again: {Erased} (false: the installation is not marked uninstalled, nothing done)")]
    private static partial void LogUninstallFinished(ILogger logger, string messageId, bool erased);

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS message {MessageId} asking to finish an uninstall failed on its last receive ({ReceiveCount}); it goes to the dead-letter queue, what the uninstall left stays until it is redriven or an operator deletes it")]
    private static partial void LogFinishExhausted(ILogger logger, string messageId, int receiveCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An SQS record without a message id was ignored")]
    private static partial void LogNoMessageId(ILogger logger);
}
