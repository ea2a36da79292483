using BluBees.Engine.Execution;
using BluBees.Engine.Rules;
using BluBees.Engine.Runs;
using Microsoft.Extensions.Logging;

namespace BluBees.Aws.Sqs;

/// <summary>
/// The last receive before the dead-letter queue records first. SQS counts each receive of a message
/// (<c>ApproximateReceiveCount</c>: "the number of times a message has been received across all queues but not
/// deleted", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html) and moves it
/// to the dead-letter queue "when the ReceiveCount for a message exceeds the maxReceiveCount for a queue"
/// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html), so a
/// receive at <see cref="WorkerOptions.MaxReceiveCount"/> is the message's last run. An invocation killed during it (out
/// of memory, a runtime crash, the function's timeout) writes nothing more, and the message went to the dead-letter
/// queue without a run record: so that receive writes the <c>delivery_exhausted</c> records first, which the run
/// overwrites with its outcome (the same run ids). Earlier receives write nothing early.
/// </summary>
public sealed partial class SqsBatchProcessor
{
    /// <summary>
    /// Writes, before the last receive runs, the record the exhausted path writes for each rule the message targets
    /// (a rule whose record an earlier copy left finished keeps it). Returns the records written, with each rule's last
    /// run before them, for <see cref="RemoveUnrunAsync"/>.
    /// </summary>
    private async Task<IReadOnlyList<(RunRecord Run, LastRun? Before)>> RecordBeforeLastRunAsync(SqsRecord record, RunMessage message, CancellationToken ct)
    {
        var written = new List<(RunRecord, LastRun?)>();
        foreach (var run in await exhausted.ExhaustedAsync(message, message.RuleId, ct))
        {
            var before = await runStore.LastRunAsync(message.Tenant.Id, run.RuleId, ct);
            if (await runStore.WriteUnlessFinishedAsync(message.Tenant.Id, run, ct))
            {
                written.Add((run, before));
            }
        }

        LogRecordedEarly(logger, record.MessageId!, record.ReceiveCount, written.Count);
        return written;
    }

    /// <summary>
    /// After a last receive's run that was not cut off: the early records of rules the run left no record for (their
    /// conditions did not match) are taken back, as no receive records such a rule. A kill before this leaves them
    /// <c>delivery_exhausted</c>, the records the message would have had on the dead-letter queue anyway.
    /// </summary>
    private async Task RemoveUnrunAsync(RunMessage message, IReadOnlyList<(RunRecord Run, LastRun? Before)> written)
    {
        foreach (var (run, before) in written)
        {
            await runStore.RemoveUnrunAsync(message.Tenant.Id, run, before, CancellationToken.None);
        }

        // The early records were written after a read of the rule and its record, which an uninstall on another instance
        // may have followed (this instance's data key cache still said installed): written after its erase, and the
        // rule's last run put back by the take-back above, they would stay until the retention. Checked against the data
        // key as stored, as the run's own records are (RunProcessor).
        await runStore.RemoveIfUninstalledAsync(message.Tenant.Id, [.. written.Select(w => w.Run)], [], message.ReceivedAt, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS message {MessageId} is on its last receive ({ReceiveCount}) before the dead-letter queue; {Records} delivery_exhausted records written before it runs (its run overwrites them)")]
    private static partial void LogRecordedEarly(ILogger logger, string messageId, int receiveCount, int records);
}
