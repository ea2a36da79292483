using BluBees.Engine.Runs;
using Microsoft.Extensions.Logging;

namespace BluBees.Aws.Sqs;

/// <summary>The last receive before the dead-letter queue: the record that failed leaves a run record first.</summary>
public sealed partial class SqsBatchProcessor
{
    /// <summary>
    /// The last receive before the dead-letter queue failed: the event leaves a failed run record
    /// (<c>delivery_exhausted</c>) per rule it targets, as on the embedded queue, instead of vanishing from the run log.
    /// A record already written for a rule (the run finished, a later write failed) is kept, unless an earlier receive
    /// left it <c>cancelled</c> (cut off by the run deadline, to run again: it does not now). A message that never
    /// opened is recorded for the rule <c>unknown</c> of the tenant its envelope names, if that tenant is installed.
    /// The message still goes to the dead-letter queue: a redrive that then succeeds rewrites the same records.
    /// </summary>
    private async Task RecordExhaustedAsync(SqsRecord record, OpenedRecord opened)
    {
        try
        {
            var tenantId = opened.Tenant ?? (record.Body is { } body ? RunMessageCodec.TenantOf(body) : null);
            if (tenantId is not { } tenant || await TenantGoneAsync(tenant))
            {
                return; // no tenant to record for (unreadable envelope, or uninstalled)
            }

            // A record that never started (the deadline came while it waited for its tenant's share) was not opened:
            // opened now, so that each rule it targets gets its record rather than one for the rule "unknown".
            var message = opened.Message ?? await TryDecodeAsync(record.Body);
            var runs = await exhausted.ExhaustedAsync(message, message?.RuleId, CancellationToken.None);
            foreach (var run in runs)
            {
                // A record an earlier receive left finished is kept; one it left cut off by the run deadline
                // (cancelled: "runs again") is not the outcome of a message that goes to the dead-letter queue now.
                // Conditional on the record read: another copy's invocation that holds the rule's claim may finish it
                // between the read and the write, and its record stands. Before, the write was unconditional and a
                // succeeded run written in that window was overwritten delivery_exhausted (ExhaustedRecordRaceTests).
                await runStore.WriteUnlessFinishedAsync(tenant, run, CancellationToken.None);
            }

            if (runs.Count == 0)
            {
                LogNoTarget(logger, record.MessageId!, record.ReceiveCount); // its rules were disabled or deleted meanwhile
                return;
            }

            // The check above may answer from this instance's cached data key (Keys:DataKeyCacheTtl), while the uninstall
            // ran on an API instance: these records (and the early ones of this last receive, the same run ids) would
            // land after its erase and stay until the retention. Checked again against the data key as stored, as every
            // other write of this path is (RunProcessor), and removed when the tenant was uninstalled meanwhile.
            var receivedAt = message?.ReceivedAt ?? record.SentAt ?? time.GetUtcNow();
            if (await runStore.RemoveIfUninstalledAsync(tenant, runs, [], receivedAt, CancellationToken.None))
            {
                LogExhaustedTenantGone(logger, record.MessageId!);
                return;
            }

            LogExhausted(logger, record.MessageId!, record.ReceiveCount);
        }
        catch (Exception ex)
        {
            LogExhaustedNotRecorded(logger, record.MessageId!, ex.GetType().Name);
        }
    }

    /// <summary>
    /// Whether the tenant was uninstalled (no data key). A data key that does not unwrap (its key-encryption key
    /// disabled or gone) is an installed tenant's: the message does not open and is recorded for the rule <c>unknown</c>.
    /// On KMS that is an error of KMS itself (DisabledException, KMSInvalidStateException, NotFoundException, access
    /// denied, throttling): KMS is only asked once the data key item was read, so the tenant is installed. A store
    /// failure still ends the attempt (nothing is written for a tenant that may be gone).
    /// </summary>
    private async Task<bool> TenantGoneAsync(Engine.Storage.TenantId tenant)
    {
        try
        {
            return await keys.GetExistingAsync(tenant, CancellationToken.None) is null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false; // logged and counted by the key service
        }
        catch (Amazon.KeyManagementService.AmazonKeyManagementServiceException ex)
        {
            LogKeyServiceRefused(logger, tenant.Value, ex.ErrorCode ?? ex.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "KMS refused to unwrap the data key of tenant {TenantId} ({ErrorCode}); its messages cannot open until the key-encryption key is usable again")]
    private static partial void LogKeyServiceRefused(ILogger logger, string tenantId, string errorCode);

    private async Task<RunMessage?> TryDecodeAsync(string? body)
    {
        if (body is null)
        {
            return null;
        }

        try
        {
            return await codec.DecodeAsync(body, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null; // it does not open: recorded for the rule "unknown"
        }
    }

    /// <summary>What a record's processing got to before it failed.</summary>
    private sealed class OpenedRecord
    {
        public Engine.Storage.TenantId? Tenant { get; set; }

        public RunMessage? Message { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS message {MessageId} failed on its last receive ({ReceiveCount}) before the dead-letter queue; recorded as delivery_exhausted")]
    private static partial void LogExhausted(ILogger logger, string messageId, int receiveCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "SQS message {MessageId} failed on its last receive; its tenant was uninstalled meanwhile, so the delivery_exhausted records it wrote were removed again")]
    private static partial void LogExhaustedTenantGone(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQS message {MessageId} failed on its last receive ({ReceiveCount}) before the dead-letter queue; no rule targets it any more (disabled or deleted), so it leaves no run record")]
    private static partial void LogNoTarget(ILogger logger, string messageId, int receiveCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "SQS message {MessageId} goes to the dead-letter queue without a run record: writing it failed with {ExceptionType}")]
    private static partial void LogExhaustedNotRecorded(ILogger logger, string messageId, string exceptionType);
}
